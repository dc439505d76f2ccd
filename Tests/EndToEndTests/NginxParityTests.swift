import Foundation
import TestSupport
import Testing

/// The differential test against the official nginx image's own entrypoint scripts: every case of
/// `NginxParity/cases/` is run through `entrypoint nginx -g 'daemon off;'` in a temporary root
/// (`ENTRYPOINT_NGINX_ROOT`), and the resulting `etc/nginx` tree and environments are compared
/// with what the image's scripts produced on the same tree (`expected/`, recorded by
/// `scripts/parity/record-nginx-goldens.sh` from a docker-nginx checkout; not run here).
///
/// The only differences allowed are the deliberate ones of the README's nginx section, applied
/// here as normalizations: the comment lines the two write above the stream block and the tuned
/// `worker_processes` (theirs carry a date), and `.envsh` exports reaching nginx itself (the
/// image's script sources them in a pipeline's subshell, so only its later scripts see them:
/// ours gives nginx what its last script saw).
@Suite struct NginxParityTests {
    static let casesDirectory = Paths.packageRoot + "/Tests/EndToEndTests/NginxParity/cases"

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: casesDirectory)) ?? []).sorted()
    }

    /// The lines that differ on purpose, replaced by one marker each.
    static func normalized(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("# added by \"20-envsubst-on-templates.sh\" on ")
                || line
                    == "# added by the entrypoint for the stream templates (NGINX_ENVSUBST_STREAM_*)"
            {
                return "<comment above the stream block>"
            }
            if line.hasPrefix("# Commented out by 30-tune-worker-processes.sh on ")
                || line == "# worker_processes tuned by the entrypoint to the container's CPUs:"
            {
                return "<comment above worker_processes>"
            }
            return String(line)
        }.joined(separator: "\n")
    }

    /// Every regular file below `directory`, by relative path, with its contents.
    static func tree(_ directory: String) -> [String: String] {
        var result: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return result }
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            result[relative] = readText(path) ?? "<unreadable>"
        }
        return result
    }

    /// An `env | sort` dump without the variables that differ by construction (the shell's own,
    /// the output directory, PATH with the fake nginx first).
    static func environment(_ text: String?) -> String {
        (text ?? "<missing>").split(separator: "\n").filter { line in
            !["PWD=", "SHLVL=", "_=", "OLDPWD=", "OUT=", "PATH="].contains { line.hasPrefix($0) }
        }.joined(separator: "\n")
    }

    @Test(arguments: cases)
    func rendersAsTheImageScriptsDo(_ name: String) throws {
        let caseDirectory = Self.casesDirectory + "/" + name
        let work = Paths.temporaryDirectory("nginx-parity")
        defer { Paths.removeTree(work) }
        let root = work + "/root"
        _ = try run("/bin/cp", ["-a", caseDirectory + "/root", root])
        for sub in ["out", "bin"] { mkdir(work + "/" + sub, 0o755) }
        writeFile(work + "/bin/nginx", "#!/bin/sh\nenv | sort > \"$OUT/nginx.env\"\n", mode: 0o755)

        var environment = [
            "PATH": "\(work)/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root", "OUT": work + "/out", "ENTRYPOINT_NGINX_ROOT": root,
        ]
        for line in (readText(caseDirectory + "/env") ?? "").split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            environment[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        // ENTRYPOINT_NGINX_ROOT is ours alone; the recorded environments do not have it.
        let result = try run(
            EntrypointHarness.binary, ["nginx", "-g", "daemon off;"], environment: environment)
        #expect(result.status == .exited(0), "\(name): \(result.err)")

        let expected = Self.tree(caseDirectory + "/expected/etc/nginx")
        let actual = Self.tree(root + "/etc/nginx")
        #expect(actual.keys.sorted() == expected.keys.sorted(), "\(name): the files of etc/nginx")
        for (path, text) in expected {
            #expect(
                Self.normalized(actual[path] ?? "<missing>") == Self.normalized(text),
                "\(name): etc/nginx/\(path)")
        }

        let expectedOut = Self.tree(caseDirectory + "/expected/out")
        for (file, text) in expectedOut where file != "nginx.env" {
            let ours = readText(work + "/out/" + file)
            if file.hasSuffix(".env") {
                #expect(
                    Self.environment(ours).replacingOccurrences(
                        of: "ENTRYPOINT_NGINX_ROOT=\(root)\n", with: "")
                        == Self.environment(text), "\(name): out/\(file)")
            } else {
                #expect(ours == text, "\(name): out/\(file)")
            }
        }
        // nginx gets what the image's last script saw: the .envsh exports included.
        let nginx = Self.environment(readText(work + "/out/nginx.env"))
            .replacingOccurrences(of: "ENTRYPOINT_NGINX_ROOT=\(root)\n", with: "")
        #expect(
            nginx == Self.environment(expectedOut["99-env.env"]), "\(name): nginx's environment")
    }
}
