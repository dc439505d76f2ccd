import Entrypoint
import Foundation
import Platform
import TestSupport
import Testing

/// `--secrets-dir`: the name mapping, the Kubernetes Secret volume layout, the `_FILE` rules.
@Suite struct SecretsDirectoryTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
    }

    @Test(arguments: [
        ("lower case upper-cased", "db_password", "DB_PASSWORD" as String?),
        ("dash becomes underscore", "redis-password", "REDIS_PASSWORD"),
        ("dot becomes underscore", "tls.key", "TLS_KEY"),
        ("already a name", "API_TOKEN", "API_TOKEN"),
        ("a digit first is no name", "1password", nil),
        ("other characters are no name", "db password", nil),
        ("non-ASCII letters are no name", "clé", nil),
    ])
    func names(_ behaviour: String, _ file: String, _ name: String?) {
        #expect(SecretsDirectory.variableName(forFile: file) == name, "\(behaviour)")
    }

    /// A Kubernetes Secret volume: `..data` → `..2026_12_02_...`, each key a visible link into
    /// `..data`.
    static func secretVolume(_ files: [String: String]) -> String {
        let directory = Paths.temporaryDirectory("secretvol")
        let stamp = "..2026_12_02_10_00_00.123456789"
        mkdir(directory + "/" + stamp, 0o755)
        for (name, value) in files {
            writeFile(directory + "/\(stamp)/\(name)", value, mode: 0o600)
            symlink("..data/\(name)", directory + "/" + name)
        }
        symlink(stamp, directory + "/..data")
        return directory
    }

    @Test func aKubernetesSecretVolumeIsReadThroughItsVisibleLinks() throws {
        let directory = Self.secretVolume([
            "db_password": "s3cret\n\n", "redis-password": "r3dis", "tls.key": "-----KEY-----\n",
        ])
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/1bad", "x")
        mkdir(directory + "/nested", 0o755)
        let collected = Lines()
        let log = Log(level: .debug) { level, message in
            collected.lines.append("\(level.name): \(message)")
        }
        let entries = try SecretsDirectory.read(
            directory, environment: ["PATH": "/bin"], fileSecrets: .auto, log: log)
        #expect(
            entries.map { "\($0.name)=\($0.value) (\($0.path))" } == [
                "DB_PASSWORD=s3cret (\(directory)/db_password)",
                "REDIS_PASSWORD=r3dis (\(directory)/redis-password)",
                "TLS_KEY=-----KEY----- (\(directory)/tls.key)",
            ])
        #expect(
            collected.lines == [
                "warning: secrets: skipping \(directory)/1bad: its name does not make a variable "
                    + "name (letters, digits, '_', '-', '.'; not starting with a digit)"
            ])
    }

    @Test(arguments: [
        (
            "the variable set too", ["DB_PASSWORD": "direct"],
            "error: both DB_PASSWORD and DIR/db_password are set (but are exclusive)"
        ),
        (
            "its _FILE set too", ["DB_PASSWORD_FILE": "/run/secrets/other"],
            "error: both DB_PASSWORD_FILE and DIR/db_password are set (but are exclusive)"
        ),
    ])
    func conflictsNameBoth(_ behaviour: String, _ environment: [String: String], _ message: String)
        throws
    {
        let directory = Paths.temporaryDirectory("secretsdir")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/db_password", "x\n")
        let log = Log(level: .debug) { _, _ in }
        #expect(throws: EntrypointError.self, "\(behaviour)") {
            try SecretsDirectory.read(
                directory, environment: Environment(environment), fileSecrets: .auto, log: log)
        }
        do {
            _ = try SecretsDirectory.read(
                directory, environment: Environment(environment), fileSecrets: .auto, log: log)
        } catch {
            let text = error.description.replacingOccurrences(of: directory, with: "DIR")
            #expect(text.contains(message), "\(behaviour): \(text)")
            #expect(error.exitCode == 1)
        }
    }

    @Test func twoFilesForOneNameAreAnError() throws {
        let directory = Paths.temporaryDirectory("secretsdir")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/db-password", "a")
        writeFile(directory + "/db.password", "b")
        let log = Log(level: .debug) { _, _ in }
        do {
            _ = try SecretsDirectory.read(directory, environment: [:], fileSecrets: .auto, log: log)
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description.contains(
                    "both \(directory)/db-password and \(directory)/db.password supply DB_PASSWORD")
            )
        }
    }

    @Test func aMissingDirectoryIsAnInputError() {
        let log = Log(level: .debug) { _, _ in }
        do {
            _ = try SecretsDirectory.read(
                "/nonexistent/secrets", environment: [:], fileSecrets: .auto, log: log)
            Issue.record("expected an error")
        } catch {
            #expect(error.exitCode == 66)
            #expect(error.description.contains("/nonexistent/secrets (--secrets-dir)"))
        }
    }
}
