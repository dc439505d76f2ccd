import Foundation
import TestSupport
import Testing

/// The fault table's rows for hostile inputs and outputs (issue 10): the commit phase that cannot
/// place one output, FIFOs and endless devices as secrets and env files, hostile template trees,
/// `--file-env` lists, and diagnostics that would echo control bytes or megabytes. Each row spawns
/// the binaries and checks the exit code, the exact message and what is left on disk.
@Suite struct FaultTableHostileInputTests {
    static let templater = Paths.binary("templater")
    /// The bound asserted for an abort (the 100 ms README.md promises, plus slack for two busy cores).
    static let bound = 300.0

    /// A temporary directory for `body`, removed afterwards.
    func withDirectory(_ body: (String) throws -> Void) rethrows {
        let directory = Paths.temporaryDirectory("hostile")
        defer { Paths.removeTree(directory) }
        try body(directory)
    }

    /// The names in `directory`, sorted, hidden ones included.
    static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    /// `templater ARGS...` in a clean environment plus `extra`.
    static func templater(_ arguments: [String], _ extra: [String: String] = [:]) throws
        -> ProcessResult
    {
        try run(templater, arguments, environment: EntrypointHarness.environment(extra))
    }

    /// Whether process `pid` holds a descriptor open on `path`.
    static func holdsOpen(_ pid: pid_t, _ path: String) -> Bool {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return fds.contains {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)"))
                == path
        }
    }

    // MARK: - The commit phase is all-or-nothing

    /// The issue's reproduction: `c.conf` is a directory in the output tree. Every destination is
    /// validated before the first rename, so `a.conf` keeps its old bytes and no temporary is left.
    @Test(arguments: ["templater", "entrypoint"])
    func anOutputThatIsADirectoryStopsTheRenderBeforeAnythingIsReplaced(_ tool: String) throws {
        try withDirectory { directory in
            let (t, o) = (directory + "/t", directory + "/o")
            mkdir(t, 0o755)
            mkdir(o, 0o755)
            mkdir(o + "/c.conf", 0o755)
            writeFile(t + "/a.conf.template", "a=${A}\n")
            writeFile(t + "/c.conf.template", "c\n")
            writeFile(t + "/z.conf.template", "z\n")
            writeFile(o + "/a.conf", "old\n")
            let result =
                tool == "templater"
                ? try Self.templater(["render", t, "-o", o], ["A": "1"])
                : try EntrypointHarness.run(
                    ["--template", "\(t):\(o)", "--", "/bin/true"], environment: ["A": "1"])
            #expect(result.status == .exited(73))
            #expect(
                result.err
                    == "\(tool): error: cannot write \(o)/c.conf: Is a directory (nothing was changed)\n"
            )
            #expect(readText(o + "/a.conf") == "old\n")
            #expect(Self.entries(o) == ["a.conf", "c.conf"])
        }
    }

    /// A rename that fails in the middle of the commit (an immutable `b.conf`: `chattr +i`, root
    /// only): `a.conf`, already renamed, is put back from the file kept aside, and the message says
    /// so.
    @Test(.enabled(if: getuid() == 0))
    func aRenameFailingMidCommitPutsBackTheOutputsAlreadyReplaced() throws {
        try withDirectory { directory in
            let (t, o) = (directory + "/t", directory + "/o")
            mkdir(t, 0o755)
            mkdir(o, 0o755)
            for name in ["a", "b", "c"] {
                writeFile(t + "/\(name).conf.template", "\(name)=${A}\n")
                writeFile(o + "/\(name).conf", "old \(name)\n", mode: 0o640)
            }
            let inode =
                try FileManager.default.attributesOfItem(atPath: o + "/a.conf")[
                    .systemFileNumber] as? Int
            let locked = try run("/usr/bin/chattr", ["+i", o + "/b.conf"])
            try #require(locked.status == .exited(0), "chattr: \(locked.err)")
            defer { _ = try? run("/usr/bin/chattr", ["-i", o + "/b.conf"]) }
            let result = try Self.templater(["render", t, "-o", o], ["A": "1"])
            #expect(result.status == .exited(73))
            #expect(
                result.err
                    == "templater: error: cannot write \(o)/b.conf: Operation not permitted (nothing was changed: the 1 output already replaced was put back)\n"
            )
            for name in ["a", "b", "c"] {
                #expect(readText(o + "/\(name).conf") == "old \(name)\n")
            }
            let after = try FileManager.default.attributesOfItem(atPath: o + "/a.conf")
            #expect(after[.systemFileNumber] as? Int == inode)
            #expect(after[.posixPermissions] as? Int == 0o640)
            #expect(Self.entries(o) == ["a.conf", "b.conf", "c.conf"])
        }
    }

    /// Outputs that are not regular files, and outputs through symbolic links.
    @Test func aFIFOOutputIsRefusedAndADanglingOutputLinkIsWrittenThrough() throws {
        try withDirectory { directory in
            writeFile(directory + "/t", "x=${X:-1}\n")
            mkfifo(directory + "/fifo", 0o644)
            let refused = try Self.templater([
                "render", directory + "/t", "-o", directory + "/fifo",
            ])
            #expect(refused.status == .exited(73))
            #expect(
                refused.err
                    == "templater: error: cannot write \(directory)/fifo: it is a FIFO, not a regular file (nothing was changed)\n"
            )
            symlink("data/app.conf", directory + "/app.conf")
            mkdir(directory + "/data", 0o755)
            let written = try Self.templater([
                "render", directory + "/t", "-o", directory + "/app.conf",
            ])
            #expect(written.status == .exited(0), "\(written.err)")
            #expect(
                (try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/app.conf"))
                    == "data/app.conf")
            #expect(readText(directory + "/data/app.conf") == "x=1\n")
            #expect(Self.entries(directory) == ["app.conf", "data", "fifo", "t"])
            #expect(Self.entries(directory + "/data") == ["app.conf"])
        }
    }

    @Test(arguments: ["templater", "entrypoint"])
    func twoInputsRenderingToOneOutputAreAUsageError(_ tool: String) throws {
        try withDirectory { directory in
            for tree in ["t", "u"] {
                mkdir(directory + "/" + tree, 0o755)
                writeFile(directory + "/\(tree)/a.conf.template", "from \(tree)\n")
            }
            mkdir(directory + "/o", 0o755)
            let (t, u, o) = (directory + "/t", directory + "/u", directory + "/o")
            let result =
                tool == "templater"
                ? try Self.templater(["render", t, u, "-o", o + "/"])
                : try EntrypointHarness.run([
                    "--template", "\(t):\(o)", "--template", "\(u):\(o)", "--", "/bin/true",
                ])
            #expect(result.status == .exited(64))
            #expect(
                result.err.hasPrefix(
                    "\(tool): error: \(t)/a.conf.template and \(u)/a.conf.template both render to \(o)/a.conf: rename one, or render them to different outputs\n"
                ))
            #expect(Self.entries(o) == [])
            // Checking or listing the two trees writes nothing: not an error.
            #expect(try Self.templater(["check", t, u]).status == .exited(0))
            #expect(try Self.templater(["vars", t, u]).status == .exited(0))
        }
    }

    // MARK: - Inputs that never end or never come

    /// A FIFO as a `_FILE` secret or an env file: the read waits for a writer, and SIGTERM/SIGINT
    /// end the wait within the bound, with 143/130.
    @Test(arguments: [
        ("entrypoint, FIFO secret, SIGTERM", "entrypoint", "secret", SIGTERM),
        ("entrypoint, FIFO secret, SIGINT", "entrypoint", "secret", SIGINT),
        ("entrypoint, FIFO env file, SIGTERM", "entrypoint", "env-file", SIGTERM),
        ("templater, FIFO secret, SIGTERM", "templater", "secret", SIGTERM),
        ("templater, FIFO env file, SIGINT", "templater", "env-file", SIGINT),
    ])
    func aFIFOSecretOrEnvFileEndsAtASignal(
        _ behaviour: String, _ tool: String, _ input: String, _ signal: Int32
    ) throws {
        try withDirectory { directory in
            let fifo = directory + "/fifo"
            mkfifo(fifo, 0o644)
            let environment = input == "secret" ? ["DB_PASSWORD_FILE": fifo] : [:]
            let arguments =
                (tool == "templater" ? ["render", directory + "/t", "--file-env"] : [])
                + (input == "env-file" ? ["--env-file", fifo] : [])
                + (tool == "entrypoint" ? ["--", "/bin/true"] : [])
            writeFile(directory + "/t", "x\n")
            let child = try ChildProcess(
                Paths.binary(tool), arguments,
                environment: EntrypointHarness.environment(environment))
            #expect(EntrypointHarness.waitUntil { Self.holdsOpen(child.pid, fifo) }, "\(behaviour)")
            child.signal(signal)
            let elapsed = try #require(EntrypointHarness.millisecondsUntilExit(child))
            let result = child.finish()
            #expect(result.status == .exited(128 + signal), "\(behaviour): \(result.err)")
            #expect(elapsed < Self.bound, "\(behaviour): took \(elapsed) ms")
            let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
            let expected =
                tool == "entrypoint"
                ? "entrypoint: error: \(name) received: start-up aborted\n"
                : "templater: error: \(name) received: rendering stopped\n"
            #expect(result.err.hasSuffix(expected), "\(behaviour): \(result.err)")
        }
    }

    /// A FIFO secret whose writer comes late, writing in pieces, is read in full.
    @Test func aFIFOSecretIsReadWhenItsWriterComes() throws {
        try withDirectory { directory in
            let fifo = directory + "/fifo"
            mkfifo(fifo, 0o644)
            let child = try EntrypointHarness.start(
                ["--", "/bin/sh", "-c", "printf '%s' \"$DB_PASSWORD\" > \(directory)/seen"],
                environment: ["DB_PASSWORD_FILE": fifo])
            #expect(EntrypointHarness.waitUntil { Self.holdsOpen(child.pid, fifo) })
            let writer = open(fifo, O_WRONLY)
            _ = "s3c".withCString { write(writer, $0, 3) }
            usleep(20_000)
            _ = "r3t\n".withCString { write(writer, $0, 4) }
            close(writer)
            let result = child.finish()
            #expect(result.status == .exited(0), "\(result.err)")
            #expect(readText(directory + "/seen") == "s3cr3t")
        }
    }

    /// Endless or oversized inputs are refused at the size limit (8 MiB), naming the variable or the
    /// flag and the path, with memory never growing past the limit.
    @Test(arguments: [
        ("DB_PASSWORD_FILE=/dev/zero", "entrypoint", "/dev/zero", "secret"),
        ("DB_PASSWORD_FILE=/dev/urandom", "entrypoint", "/dev/urandom", "secret"),
        ("--env-file /dev/zero", "entrypoint", "/dev/zero", "env-file"),
        ("templater --file-env, /dev/zero", "templater", "/dev/zero", "secret"),
        ("templater --env-file /dev/urandom", "templater", "/dev/urandom", "env-file"),
        ("a 9 MiB regular secret file", "entrypoint", "BIG", "secret"),
    ])
    func anEndlessOrHugeSecretOrEnvFileIs66AtTheLimit(
        _ behaviour: String, _ tool: String, _ path: String, _ input: String
    ) throws {
        try withDirectory { directory in
            let path = path == "BIG" ? directory + "/big" : path
            if path.hasSuffix("/big") {
                writeFile(path, bytes: [UInt8](repeating: 0x61, count: 9 << 20))
            }
            writeFile(directory + "/t", "x\n")
            let environment = input == "secret" ? ["DB_PASSWORD_FILE": path] : [:]
            let arguments =
                (tool == "templater" ? ["render", directory + "/t", "--file-env"] : [])
                + (input == "env-file" ? ["--env-file", path] : [])
                + (tool == "entrypoint" ? ["--", "/bin/true"] : [])
            let result = try run(
                Paths.binary(tool), arguments,
                environment: EntrypointHarness.environment(environment))
            let label = input == "secret" ? "DB_PASSWORD_FILE" : "--env-file"
            #expect(result.status == .exited(66), "\(behaviour)")
            #expect(
                result.err
                    == "\(tool): error: cannot read \(path) (\(label)): larger than the limit of 8 MiB\n",
                "\(behaviour)")
        }
    }

    // MARK: - Template trees

    /// What a tree may hold besides templates: skipped as the nginx image skips it, or refused when
    /// it is a template that cannot be rendered faithfully.
    @Test func aTreeSkipsWhatIsNotATemplate() throws {
        try withDirectory { directory in
            let (t, o) = (directory + "/t", directory + "/o")
            mkdir(t, 0o755)
            writeFile(t + "/a.conf.template", "a=${A:-1}\n")
            symlink("nowhere", t + "/README")
            writeFile(t + "/caf\u{E9}.txt", "x\n")
            // A file name that is not UTF-8 (Latin-1 "café"), written by byte path.
            let latin1 = Array((t + "/caf").utf8) + [0xE9, 0]
            let fd = latin1.withUnsafeBufferPointer { raw in
                raw.baseAddress.unsafelyUnwrapped.withMemoryRebound(
                    to: CChar.self, capacity: raw.count
                ) { open($0, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644) }
            }
            close(fd)
            let skipped = try Self.templater(["render", t, "-o", o])
            #expect(skipped.status == .exited(0), "\(skipped.err)")
            #expect(Self.entries(o) == ["a.conf"])

            let template = Array((t + "/b").utf8) + [0xE9] + Array(".conf.template".utf8) + [0]
            close(
                template.withUnsafeBufferPointer { raw in
                    raw.baseAddress.unsafelyUnwrapped.withMemoryRebound(
                        to: CChar.self, capacity: raw.count
                    ) { open($0, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644) }
                })
            let refused = try Self.templater(["render", t, "-o", o])
            #expect(refused.status == .exited(66))
            #expect(
                refused.err
                    == "templater: error: cannot read \(t)/b\\xE9.conf.template: its name is not valid UTF-8 (rename it)\n"
            )
            #expect(Self.entries(o) == ["a.conf"])
        }
    }

    @Test func aDanglingTemplateLinkIsStill66() throws {
        try withDirectory { directory in
            let t = directory + "/t"
            mkdir(t, 0o755)
            symlink("nowhere", t + "/a.conf.template")
            let result = try Self.templater(["render", t, "-o", directory + "/o"])
            #expect(result.status == .exited(66))
            #expect(
                result.err
                    == "templater: error: cannot read \(t)/a.conf.template: No such file or directory\n"
            )
            #expect(!FileManager.default.fileExists(atPath: directory + "/o"))
        }
    }

    // MARK: - Options

    /// `templater --file-env` takes the entrypoint's forms: alone it reads only secret-looking
    /// names, so an unrelated `TF_CLI_CONFIG_FILE` naming a missing file stops nothing.
    @Test(arguments: [
        ("alone: secret-looking names only", "--file-env", 0, "x=1 s3\n", ""),
        (
            "=all: every X_FILE", "--file-env=all", 66, "",
            "templater: error: cannot read /nonexistent (TF_CLI_CONFIG_FILE): No such file or directory\n"
        ),
        ("=LIST: only these", "--file-env=DB_PASSWORD", 0, "x=1 s3\n", ""),
        ("=LIST with the suffix", "--file-env=DB_PASSWORD_FILE", 0, "x=1 s3\n", ""),
        ("=off", "--file-env=off", 0, "x=1 \n", ""),
        (
            "a bad name", "--file-env=1X", 64, "",
            "templater: error: --file-env: '1X' is not a variable name\nTry 'templater --help' for more information.\n"
        ),
    ])
    func templaterFileEnvTakesTheEntrypointsForms(
        _ behaviour: String, _ flag: String, _ code: Int32, _ out: String, _ err: String
    ) throws {
        try withDirectory { directory in
            writeFile(directory + "/secret", "s3\n")
            writeFile(directory + "/t", "x=${X} ${DB_PASSWORD:-}\n")
            let result = try Self.templater(
                ["render", directory + "/t", flag],
                [
                    "X": "1", "TF_CLI_CONFIG_FILE": "/nonexistent",
                    "DB_PASSWORD_FILE": directory + "/secret",
                ])
            #expect(result.status == .exited(code), "\(behaviour): \(result.err)")
            #expect(result.out == out, "\(behaviour)")
            #expect(result.err == err, "\(behaviour)")
        }
    }

    @Test(arguments: [
        (
            "templater", ["render", "--allow", ""],
            "templater: error: --allow: '' names no variable (leave --allow out to select every name)\nTry 'templater --help' for more information.\n"
        ),
        (
            "entrypoint", ["--allow", "", "--", "/bin/true"],
            "entrypoint: error: --allow: '' names no variable (leave --allow out to select every name)\n"
        ),
    ])
    func anEmptyAllowListIsAUsageError(_ tool: String, _ arguments: [String], _ message: String)
        throws
    {
        let result = try run(
            Paths.binary(tool), arguments, environment: EntrypointHarness.environment(),
            stdin: Array("$A\n".utf8))
        #expect(result.status == .exited(64))
        #expect(result.err == message)
    }

    // MARK: - Diagnostics

    /// Paths and option values in messages: their control characters escaped, never cut.
    @Test func controlCharactersInPathsAndValuesAreEscaped() throws {
        let secret = try EntrypointHarness.run(
            ["--", "/bin/true"], environment: ["DB_PASSWORD_FILE": "/nonexistent/\u{1B}[31mred"])
        #expect(secret.status == .exited(66))
        #expect(
            secret.err
                == "entrypoint: error: cannot read /nonexistent/\\x1B[31mred (DB_PASSWORD_FILE): No such file or directory\n"
        )
        let allow = try Self.templater(["render", "--allow", "\u{1B}"])
        #expect(allow.status == .exited(64))
        #expect(
            allow.err
                == "templater: error: --allow: '\\x1B' is not a variable name\nTry 'templater --help' for more information.\n"
        )
    }

    @Test(arguments: [
        (
            "an ESC byte is escaped", "a ${X\u{1B}[31m}\n",
            "<stdin>:1:6: error: unexpected '\\x1B' after '${X'\n"
        ),
        (
            "a 2 MB name is cut", "${LONG}\n",
            "<stdin>:1:1: error: variable \(String(repeating: "A", count: 60))… is not set\n"
                + "<stdin>:1:1: note: set \(String(repeating: "A", count: 60))…, or give a default: "
                + "${\(String(repeating: "A", count: 58))…\n"
        ),
        (
            "a CR-only file counts lines at CR", "x\r${A}\ry\r${B}\n",
            "<stdin>:2:1: error: variable A is not set\n"
                + "<stdin>:2:1: note: set A, or give a default: ${A:-default}\n"
                + "<stdin>:4:1: error: variable B is not set\n"
                + "<stdin>:4:1: note: set B, or give a default: ${B:-default}\n"
        ),
    ])
    func diagnosticsAreSafeToPrint(_ behaviour: String, _ template: String, _ expected: String)
        throws
    {
        // The 2 MB name is made here, not in the row: a failing row prints its arguments.
        let input =
            template == "${LONG}\n"
            ? "${" + String(repeating: "A", count: 2_000_000) + "}\n" : template
        let result = try run(
            Self.templater, ["render"], environment: EntrypointHarness.environment(),
            stdin: Array(input.utf8))
        #expect(result.status == .exited(1), "\(behaviour)")
        let lines = result.err.split(separator: "\n", omittingEmptySubsequences: false)
        let printed = lines.prefix(expected.split(separator: "\n").count).joined(separator: "\n")
        #expect(printed + "\n" == expected, "\(behaviour): \(result.err.prefix(400))")
        #expect(result.err.utf8.count < 2000, "\(behaviour): \(result.err.utf8.count) bytes")
    }
}
