import Foundation
import TestSupport
import Testing

/// The fault table of docs/reliability.md, render rows: what an operator or a ConfigMap
/// can hand the render phase, each row run end to end with its exact exit code, message and what is
/// left on disk. Rows that need root (a read-only or full file system, a user that file modes stop)
/// are enabled only as root, as `make test` runs them.
@Suite struct FaultTableRenderTests {
    static let templater = Paths.binary("templater")
    static var isRoot: Bool { getuid() == 0 }

    /// A temporary directory for `body`, removed afterwards.
    func withDirectory(_ body: (String) throws -> Void) rethrows {
        let directory = Paths.temporaryDirectory("faults")
        defer { Paths.removeTree(directory) }
        try body(directory)
    }

    /// The names in `directory`, sorted (temporary files included: none may be left).
    static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    // MARK: - Outputs that cannot be written

    @Test(.enabled(if: isRoot))
    func aFullOutputFileSystemIs73AndTheOldConfigStays() throws {
        try withDirectory { directory in
            let output = directory + "/out"
            mkdir(output, 0o755)
            // 200 KB do not fit in a 64 KiB tmpfs, mounted in a mount namespace of its own.
            writeFile(directory + "/big.template", String(repeating: "y", count: 200_000) + "\n")
            let script = """
                mount -t tmpfs -o size=64k tmpfs "$1" && printf 'old\\n' > "$1/app.conf" &&
                "$2" --template "$3:$1/app.conf" -- true
                echo "status $?"; ls -A "$1"; cat "$1/app.conf"
                """
            let result = try run(
                "/usr/bin/unshare",
                [
                    "--mount", "--fork", "/bin/sh", "-c", script, "sh", output,
                    EntrypointHarness.binary, directory + "/big.template",
                ], environment: EntrypointHarness.environment())
            #expect(result.out == "status 73\napp.conf\nold\n")
            #expect(
                result.err
                    == "entrypoint: error: cannot write \(output)/app.conf: No space left on device (nothing was changed)\n"
            )
        }
    }

    @Test(.enabled(if: isRoot))
    func aReadOnlyOutputDirectoryIs73ForTheEntrypointToo() throws {
        try withDirectory { directory in
            let output = directory + "/ro"
            mkdir(output, 0o755)
            writeFile(output + "/app.conf", "old\n")
            writeFile(directory + "/t", "new ${X:-1}\n")
            let mounted = try run("/bin/mount", ["--bind", "-o", "ro", output, output])
            try #require(mounted.status == .exited(0), "mount: \(mounted.err)")
            defer { _ = try? run("/bin/umount", [output]) }
            let result = try EntrypointHarness.run([
                "--template", "\(directory)/t:\(output)/app.conf", "--", "echo", "never",
            ])
            #expect(result.status == .exited(73))
            #expect(result.out == "")
            #expect(
                result.err
                    == "entrypoint: error: cannot write \(output)/app.conf: Read-only file system (nothing was changed)\n"
            )
            #expect(readText(output + "/app.conf") == "old\n")
            #expect(Self.entries(output) == ["app.conf"])
        }
    }

    // MARK: - Inputs that cannot be read

    @Test(.enabled(if: isRoot))
    func anUnreadableTemplateIs66() throws {
        try withDirectory { directory in
            // Root reads any file whatever its mode: run as nobody, for whom mode 000 means no.
            chmod(directory, 0o777)
            writeFile(directory + "/t", "x=${X:-1}\n", mode: 0o000)
            writeFile(directory + "/out", "old\n", mode: 0o666)
            let result = try run(
                "/usr/bin/setpriv",
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups", Self.templater, "render",
                    directory + "/t", "-o", directory + "/out",
                ], environment: EntrypointHarness.environment())
            #expect(result.status == .exited(66))
            #expect(
                result.err == "templater: error: cannot read \(directory)/t: Permission denied\n")
            #expect(readText(directory + "/out") == "old\n")
            #expect(Self.entries(directory) == ["out", "t"])
        }
    }

    @Test(.enabled(if: isRoot))
    func anUnreadableSecretFileIs66() throws {
        try withDirectory { directory in
            chmod(directory, 0o777)
            writeFile(directory + "/secret", "s3cr3t\n", mode: 0o000)
            let result = try run(
                "/usr/bin/setpriv",
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups",
                    EntrypointHarness.binary, "--", "echo", "never",
                ],
                environment: EntrypointHarness.environment([
                    "DB_PASSWORD_FILE": directory + "/secret"
                ]))
            #expect(result.status == .exited(66))
            #expect(
                result.err
                    == "entrypoint: error: cannot read \(directory)/secret (DB_PASSWORD_FILE): Permission denied\n"
            )
        }
    }

    @Test func aMissingSecretFileIs66() throws {
        let result = try EntrypointHarness.run(
            ["--", "echo", "never"],
            environment: ["DB_PASSWORD_FILE": "/nonexistent/secret"])
        #expect(result.status == .exited(66))
        #expect(result.out == "")
        #expect(
            result.err
                == "entrypoint: error: cannot read /nonexistent/secret (DB_PASSWORD_FILE): No such file or directory\n"
        )
    }

    @Test func xAndXFileBothSetIs1NamingBoth() throws {
        try withDirectory { directory in
            writeFile(directory + "/secret", "s3cr3t\n")
            let result = try EntrypointHarness.run(
                ["--", "echo", "never"],
                environment: ["DB_PASSWORD": "x", "DB_PASSWORD_FILE": directory + "/secret"])
            #expect(result.status == .exited(1))
            #expect(result.out == "")
            #expect(
                result.err
                    == "entrypoint: error: both DB_PASSWORD and DB_PASSWORD_FILE are set (but are exclusive)\nentrypoint: note: unset one of them: DB_PASSWORD_FILE names a file holding the value of DB_PASSWORD\nentrypoint: error: 1 problem in the templates or variables: nothing was rendered, start-up stopped\n"
            )
        }
    }

    /// A directory where a file was expected (a `_FILE` secret, an env file), and a file where the
    /// output's directory was expected. (A directory given as a template is a tree to render.)
    @Test func aDirectoryWhereAFileWasExpected() throws {
        try withDirectory { directory in
            writeFile(directory + "/t", "x=${X:-1}\n")
            writeFile(directory + "/file", "old\n")
            let rows: [([String], [String: String], Int32, String)] = [
                (
                    [], ["DB_PASSWORD_FILE": directory], 66,
                    "entrypoint: error: cannot read \(directory) (DB_PASSWORD_FILE): Is a directory\n"
                ),
                (
                    ["--env-file", directory], [:], 66,
                    "entrypoint: error: cannot read \(directory) (--env-file): Is a directory\n"
                ),
                (
                    ["--template", "\(directory)/t:\(directory)/file/app.conf"], [:], 73,
                    "entrypoint: error: cannot write \(directory)/file/app.conf: Not a directory (nothing was changed)\n"
                ),
            ]
            for (arguments, environment, code, message) in rows {
                let result = try EntrypointHarness.run(
                    arguments + ["--log-level", "info", "--", "true"], environment: environment)
                #expect(result.status == .exited(code), "\(arguments): \(result.err)")
                #expect(result.err == message, "\(arguments)")
            }
            #expect(Self.entries(directory) == ["file", "t"])
            #expect(readText(directory + "/file") == "old\n")
        }
    }

    @Test func aSymbolicLinkLoopInATemplateTreeIs66AndNothingIsWritten() throws {
        try withDirectory { directory in
            let tree = directory + "/templates"
            mkdir(tree, 0o755)
            mkdir(tree + "/sub", 0o755)
            writeFile(tree + "/a.conf.template", "a=${X:-1}\n")
            symlink("..", tree + "/sub/up")
            let output = directory + "/out"
            mkdir(output, 0o755)
            writeFile(output + "/a.conf", "old\n")
            let result = try EntrypointHarness.run([
                "--template", "\(tree):\(output)", "--", "echo", "never",
            ])
            #expect(result.status == .exited(66))
            #expect(
                result.err
                    == "entrypoint: error: cannot read \(tree)/sub/up: Too many levels of symbolic links\n"
            )
            #expect(Self.entries(output) == ["a.conf"])
            #expect(readText(output + "/a.conf") == "old\n")
        }
    }

    // MARK: - Unusual bytes and sizes

    @Test func invalidUTF8AndNULBytesAreCopiedByteForByte() throws {
        try withDirectory { directory in
            let template: [UInt8] =
                [0xFF, 0xFE, 0x00, 0x61] + Array("${X}".utf8) + [0xC3, 0x28, 0x00, 0x0A]
                + Array("$Y\u{0}\r\n".utf8) + [0xE2, 0x82]
            let expected: [UInt8] =
                [0xFF, 0xFE, 0x00, 0x61] + Array("value".utf8) + [0xC3, 0x28, 0x00, 0x0A]
                + Array("why\u{0}\r\n".utf8) + [0xE2, 0x82]
            writeFile(directory + "/t", bytes: template)
            let result = try run(
                Self.templater, ["render", directory + "/t", "-o", directory + "/out"],
                environment: ["X": "value", "Y": "why"])
            #expect(result.status == .exited(0), "\(result.err)")
            #expect(readFile(directory + "/out") == expected)
            // envsubst mode too, on a pipe.
            let piped = try run(
                Paths.binary("entrypoint"), [], argv0: "envsubst",
                environment: ["X": "value", "Y": "why"], stdin: template)
            #expect(piped.status == .exited(0))
            #expect(piped.stdout == expected)
        }
    }

    @Test func invalidUTF8IsReportedWithAColumnAndNoCrash() throws {
        let template: [UInt8] = [0xFF, 0xC3, 0x28] + Array(" ${MISSING}\n".utf8)
        let result = try run(
            Self.templater, ["render"], environment: ["PATH": "/usr/bin:/bin"], stdin: template)
        #expect(result.status == .exited(1))
        #expect(result.out == "")
        #expect(result.err.hasPrefix("<stdin>:1:"))
        #expect(result.err.contains(": error: variable MISSING is not set\n"))
    }

    @Test func aHundredThousandVariablesRenderAndReachTheServer() throws {
        var environment: [String: String] = [:]
        for index in 0..<100_000 { environment["V\(index)"] = "\(index)" }
        let rendered = try run(
            Self.templater, ["render"], environment: environment,
            input: "$V0 ${V50000} ${V99999:-none} ${V100000:-none}\n")
        #expect(rendered.status == .exited(0), "\(rendered.err)")
        #expect(rendered.out == "0 50000 99999 none\n")
        let served = try EntrypointHarness.run(
            ["--", "sh", "-c", "echo $V99999; env | grep -c '^V'"], environment: environment)
        #expect(served.status == .exited(0), "\(served.err)")
        #expect(served.out == "99999\n100000\n")
    }

    @Test func aOneMiBValueFromAFileRendersAndIsTooBigForExec() throws {
        try withDirectory { directory in
            let value = String(repeating: "v", count: 1 << 20)
            writeFile(directory + "/secret", value + "\n")
            writeFile(directory + "/t", "a=${BIG_SECRET}\nb=${BIG_SECRET:0:3}\n")
            let environment = ["BIG_SECRET_FILE": directory + "/secret"]
            // The render takes it; the exec cannot: Linux refuses any single environment string
            // over 128 KiB (MAX_ARG_STRLEN) with E2BIG, reported as "cannot execute" (126).
            let result = try EntrypointHarness.run(
                [
                    "--template", "\(directory)/t:\(directory)/out", "--file-env=all", "--",
                    "true",
                ], environment: environment)
            #expect(result.status == .exited(126))
            #expect(
                result.err.hasSuffix(
                    "entrypoint: error: /usr/bin/true: cannot execute: Argument list too long\n"))
            #expect(readText(directory + "/out") == "a=\(value)\nb=vvv\n")
            // The same value through an env file, with templater.
            writeFile(directory + "/.env", "BIG_VALUE=\(value)\n")
            let rendered = try run(
                Self.templater, ["render", "--env-file", directory + "/.env"],
                environment: ["PATH": "/usr/bin:/bin"], input: "[${BIG_VALUE}]")
            #expect(rendered.out == "[\(value)]")
            #expect(rendered.status == .exited(0), "\(rendered.err)")
        }
    }
}
