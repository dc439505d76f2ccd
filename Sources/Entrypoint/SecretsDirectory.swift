import Platform
import Templater

/// `--secrets-dir DIR` (`ENTRYPOINT_SECRETS_DIR`): every regular file in DIR supplies the variable
/// named after it, as Docker's `/run/secrets` and Kubernetes Secret volumes lay secrets out.
///
/// The name: the file's name with ASCII letters upper-cased and `-` and `.` turned into `_`
/// (`db_password` → `DB_PASSWORD`, `redis-password` → `REDIS_PASSWORD`, `tls.key` → `TLS_KEY`).
/// A name that is still not a variable name (it starts with a digit, or holds other characters) is
/// skipped with a warning naming the file; two files giving one name are an error naming both.
///
/// Which files: names starting with `.` are skipped — Kubernetes' `..data` symlink and the
/// `..2026_12_02_...` directory it points to, where the real files live, and hidden files —;
/// the visible names are followed when they are symbolic links (a Secret volume's `db_password` is
/// a link to `..data/db_password`), and whatever is not a regular file then is skipped.
///
/// The values follow the `_FILE` rules: read with the routine that reads `_FILE` secrets
/// (`InputFile.read`: bounded in size, a FIFO cannot hang start-up, SIGTERM ends the wait), trailing
/// newlines stripped, an unreadable file is an input error (66); a variable also set directly, or
/// through its own `X_FILE`, is an error naming both (1), so that no value silently wins. The
/// values are secrets: never logged, redacted in `--dry-run`, and rendered outputs that receive
/// one are created without group or other access.
public enum SecretsDirectory {
    /// One secret: the variable, the file it came from, its value.
    public struct Entry: Equatable, Sendable {
        /// The variable's name.
        public var name: String
        /// The file's path.
        public var path: String
        /// The file's contents without trailing newlines, byte for byte.
        public var bytes: [UInt8]
        /// The contents as text (each byte that is not UTF-8 replaced with U+FFFD).
        public var value: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// The variable a file named `fileName` supplies, or nil when the mapped name is not a variable
    /// name.
    public static func variableName(forFile fileName: String) -> String? {
        let mapped = String(
            String.UnicodeScalarView(
                fileName.unicodeScalars.map { scalar -> Unicode.Scalar in
                    if scalar == "-" || scalar == "." { return "_" }
                    if scalar >= "a" && scalar <= "z" {
                        return Unicode.Scalar(UInt8(scalar.value) - 0x20)
                    }
                    return scalar
                }))
        return isValidName(mapped) ? mapped : nil
    }

    /// The secrets of `directory`, sorted by variable name.
    ///
    /// - Parameters:
    ///   - environment: the variables before the secrets phase, checked for conflicts (`X` set as
    ///     well, or `X_FILE` where `fileSecrets` would read it).
    ///   - log: receives the warnings for skipped names.
    public static func read(
        _ directory: String, environment: Environment, fileSecrets: FileSecrets, log: Log
    ) throws(EntrypointError) -> [Entry] {
        let names: [String]
        do {
            names = try DirectoryStream(directory).names()
        } catch {
            throw .input(path: "\(directory) (--secrets-dir)", error)
        }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var entries: [String: Entry] = [:]
        var problems: [Diagnostic] = []
        for fileName in names.sorted() where !fileName.hasPrefix(".") {
            let path = base + "/" + fileName
            guard let facts = try? fileStatus(path), facts.isRegular else { continue }
            guard let name = variableName(forFile: fileName) else {
                log.warning(
                    "secrets: skipping \(path): its name does not make a variable name "
                        + "(letters, digits, '_', '-', '.'; not starting with a digit)")
                continue
            }
            if let earlier = entries[name] {
                problems.append(
                    Diagnostic(
                        .error, at: nil,
                        "both \(earlier.path) and \(path) supply \(name) (--secrets-dir)",
                        notes: ["remove or rename one of them"]))
                continue
            }
            for other in [name] + (fileSecrets.covers(name) ? [name + "_FILE"] : []) {
                if let value = environment[other], !value.isEmpty {
                    problems.append(
                        Diagnostic(
                            .error, at: nil,
                            "both \(other) and \(path) are set (but are exclusive)",
                            notes: [
                                "unset \(other), or remove \(path): a file in the secrets "
                                    + "directory supplies \(name)"
                            ]))
                }
            }
            var bytes: [UInt8]
            do {
                bytes = try InputFile.read(path, label: "--secrets-dir")
            } catch {
                throw .templates(error)
            }
            while bytes.last == 0x0A { bytes.removeLast() }
            entries[name] = Entry(name: name, path: path, bytes: bytes)
        }
        if !problems.isEmpty { throw .templates(.diagnostics(problems)) }
        return entries.values.sorted { $0.name < $1.name }
    }
}
