import Foundation
import TestSupport
import Testing

/// `wait-for` as a user runs it: every row of the exit-code table, the exec of the follow-up command
/// (same PID, clean signal state), signals, the environment variables and the log formats.
@Suite struct WaitForCommandTests {
    static let binary = Paths.binary("wait-for")
    /// A small environment, so that the developer's WAIT_FOR_* variables never leak in.
    static let environment = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
    /// A file without any execute bit.
    static let notExecutable: String = {
        let path = Paths.temporaryDirectory("waitfor-e2e") + "/not-executable"
        writeFile(path, "echo must not run\n", mode: 0o644)
        return path
    }()

    /// A script whose `#!` names a program that does not exist.
    static let missingInterpreter: String = {
        let path = Paths.temporaryDirectory("waitfor-e2e") + "/missing-interpreter"
        writeFile(path, "#!/nonexistent/sh\necho must not run\n", mode: 0o755)
        return path
    }()

    static func waitFor(_ arguments: [String], environment: [String: String] = environment)
        throws -> ProcessResult
    {
        try run(binary, arguments, environment: environment)
    }

    // MARK: - 0 and the follow-up command

    @Test func readyTargetExecsTheCommandInPlace() throws {
        let listener = try TestListener()
        listener.listen()
        let child = try ChildProcess(
            Self.binary,
            [
                "--quiet", listener.address, "--", "/bin/sh", "-c",
                "echo pid=$$ value=$VALUE; exec grep -E '^Sig(Blk|Ign)' /proc/$$/status",
            ], environment: Self.environment.merging(["VALUE": "kept"]) { $1 })
        let result = child.finish()
        #expect(result.status == .exited(0))
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "pid=\(child.pid) value=kept")
        #expect(lines.dropFirst().first == "SigBlk:\t0000000000000000")
        // glibc's posix_spawn (which started wait-for here) sets its internal signals 32 and 33 to
        // SIG_IGN in the child, and sigaction refuses to touch them, so only those two may remain.
        let ignored = lines.last.flatMap { UInt64($0.dropFirst("SigIgn:\t".count), radix: 16) }
        #expect(ignored.map { $0 & ~0x1_8000_0000 } == 0, "\(lines)")
        #expect(result.err == "")
    }

    @Test func readyWithoutCommandExitsZeroAndLogsEachStateChange() throws {
        let listener = try TestListener()
        listener.listen()
        let result = try Self.waitFor(["--timeout", "5", listener.address])
        #expect(result.status == .exited(0))
        let lines = result.err.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "wait-for: info: waiting for \(listener.address) (timeout 5s)")
        #expect(
            lines.last?.hasPrefix("wait-for: info: \(listener.address) ready after 0.0") == true)
        #expect(lines.last?.hasSuffix("s, 1 attempt") == true)
    }

    @Test func theMultiCallBinaryAnswersAsWaitFor() throws {
        let listener = try TestListener()
        listener.listen()
        let result = try run(
            Paths.binary("entrypoint"), ["-q", listener.address, "--", "echo", "ran"],
            argv0: "/usr/local/bin/wait-for", environment: Self.environment)
        #expect(result.status == .exited(0))
        #expect(result.out == "ran\n")
    }

    // MARK: - 64

    @Test(arguments: [
        (
            "no targets", [String](), [String: String](),
            "no targets: give TARGET... or set WAIT_FOR_TARGETS (see --help)"
        ),
        (
            "bad duration flag", ["--timeout", "5x", "db:1"], [:],
            "--timeout: '5x' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
        ),
        (
            "port out of range", ["db:99999"], [:],
            "invalid target 'db:99999': port 99999 is out of range (1-65535)"
        ),
        (
            "unknown scheme", ["ftp://files:21"], [:],
            "invalid target 'ftp://files:21': unknown scheme 'ftp' (known: tcp, http, unix, file, postgres, mysql, redis, amqp)"
        ),
        ("unknown flag", ["--wait", "db:1"], [:], "unknown option '--wait' (see --help)"),
        (
            "interval too short", ["-i", "10ms", "db:1"], [:],
            "-i: 10ms is shorter than 50ms (at most 20 probes a second)"
        ),
        (
            "log format", ["--log-format=xml", "db:1"], [:],
            "--log-format: 'xml' is not a log format (text, json)"
        ),
        (
            "on-timeout", ["--on-timeout", "maybe", "db:1"], [:],
            "--on-timeout: 'maybe' is not fail or run"
        ),
        ("missing value", ["db:1", "--timeout"], [:], "--timeout needs a value"),
        ("value on a switch", ["--quiet=yes", "db:1"], [:], "--quiet takes no value"),
        (
            "once with a command", ["--once", "db:1", "--", "true"], [:],
            "--once takes no command: it only probes (exit 0 or 1)"
        ),
        (
            "bad variable named", ["db:1"], ["WAIT_FOR_TIMEOUT": "soon"],
            "WAIT_FOR_TIMEOUT: 'soon' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
        ),
        (
            "bad targets variable", [], ["WAIT_FOR_TARGETS": "db:5432,cache"],
            "WAIT_FOR_TARGETS: invalid target 'cache': missing port (write host:port)"
        ),
        (
            "bad boolean variable", ["db:1"], ["WAIT_FOR_QUIET": "maybe"],
            "WAIT_FOR_QUIET: 'maybe' is not a boolean (1, true, yes, on or 0, false, no, off)"
        ),
        (
            "password never shown", ["postgres://app:s3cret@db:0/x"], [:],
            "invalid target 'postgres://app:***@db:0/x': port 0 is out of range (1-65535)"
        ),
    ])
    func usageErrorsExit64NamingTheCulprit(
        _ behaviour: String, _ arguments: [String], _ variables: [String: String], _ message: String
    ) throws {
        let result = try Self.waitFor(
            arguments, environment: Self.environment.merging(variables) { $1 })
        #expect(result.status == .exited(64), "\(behaviour)")
        #expect(result.err == "wait-for: error: \(message)\n", "\(behaviour)")
        #expect(result.out == "", "\(behaviour)")
    }

    @Test func aFlagWinsOverItsVariableEvenABadOne() throws {
        let listener = try TestListener()
        listener.listen()
        let result = try Self.waitFor(
            ["--timeout", "2s", listener.address],
            environment: Self.environment.merging(["WAIT_FOR_TIMEOUT": "soon"]) { $1 })
        #expect(result.status == .exited(0))
        #expect(
            result.err.hasPrefix("wait-for: info: waiting for \(listener.address) (timeout 2s)\n"))
    }

    @Test func helpGoesToStandardOutput() throws {
        let result = try Self.waitFor(["--help"])
        #expect(result.status == .exited(0))
        #expect(
            result.out.hasPrefix("Usage: wait-for [OPTIONS] TARGET... [-- COMMAND [ARGS...]]\n"))
        #expect(result.err == "")
    }

    // MARK: - 69

    @Test func aBlockedMySQLHostExits69WithTheFix() throws {
        let message =
            "Host '127.0.0.1' is blocked because of many connection errors; unblock with 'mariadb-admin flush-hosts'"
        let payload = [0xff, 0x69, 0x04] + Array(message.utf8)
        let server = try StubServer(
            turn: .first, replies: [[UInt8(payload.count), 0, 0, 0] + payload])
        defer { server.stop() }
        let result = try Self.waitFor(["mysql://\(server.address)", "--", "echo", "must not run"])
        #expect(result.status == .exited(69))
        #expect(result.out == "")
        #expect(
            result.err.contains(
                "wait-for: error: mysql://\(server.address) is unavailable: \(server.address): MySQL error "
                    + "1129: \(message) (waiting cannot help: the block lasts until the host cache is "
                    + "flushed; on the server run FLUSH HOSTS"))
    }

    // MARK: - 124

    @Test func timeoutExits124OnTimeNamingEveryUnreadyTargetAndDoesNotRunTheCommand() throws {
        let first = try TestListener()
        let second = try TestListener()
        let child = try ChildProcess(
            Self.binary,
            ["-t", "300ms", first.address, second.address, "--", "echo", "must not run"],
            environment: Self.environment)
        // The clock starts at the tool's first line, not at the spawn: on a loaded machine a process
        // start alone can take longer than the 100 ms the deadline allows (WaitLoopTests check the
        // deadline in-process, to the millisecond).
        child.waitForOutput(seconds: 10) { _, err in err.contains("waiting for") }
        let started = now()
        let result = child.finish()
        let elapsed = now() - started
        #expect(result.status == .exited(124))
        #expect(result.out == "")
        #expect(elapsed < 0.3 + 0.1 + 0.1, "took \(elapsed)s")  // deadline + 100 ms, + scheduling
        for listener in [first, second] {
            #expect(
                result.err.contains(
                    "wait-for: error: \(listener.address) still not ready after 0.3"))
            #expect(
                result.err.contains(
                    "; last error: connect(\(listener.address)): Connection refused (errno 111)\n"))
        }
    }

    /// An attempt's "no answer within" names the time the attempt had: `--connect-timeout`, or less
    /// when the wait's deadline cut it short (the first attempt starts a few milliseconds after the
    /// wait on a loaded machine, so 1s may read 998ms).
    @Test(arguments: [
        (
            "a connect timeout longer than the wait", ["--connect-timeout", "5s", "-t", "1s"],
            false, 0.9...1.0
        ),
        (
            "a connect timeout shorter than the wait",
            ["--connect-timeout", "200ms", "-t", "500ms"], false, 0.2...0.2
        ),
        (
            "a server that accepts and never replies, past the wait",
            ["--connect-timeout", "5s", "-t", "1s"], true, 0.9...1.0
        ),
    ])
    func theReportedLimitIsTheTimeTheAttemptHad(
        _ behaviour: String, _ options: [String], _ accepts: Bool, _ limit: ClosedRange<Double>
    ) throws {
        // Dropped SYNs: the connect never ends ("connect(A): no answer within"); an accepting
        // listener that never writes: PostgreSQL's reply never comes ("A: no reply within").
        let server = try TestListener()
        if accepts { server.listen() } else { try server.dropSYNs() }
        let target = accepts ? "postgres://\(server.address)" : server.address
        let started = now()
        let result = try Self.waitFor(options + [target])
        let elapsed = now() - started
        #expect(result.status == .exited(124), "\(behaviour)")
        let prefix =
            accepts
            ? "last error: \(server.address): no reply within "
            : "last error: connect(\(server.address)): no answer within "
        let printed = result.err.range(of: prefix).map { result.err[$0.upperBound...] } ?? ""
        let seconds =
            printed.hasSuffix("ms\n")
            ? Double(printed.dropLast(3)).map { $0 / 1000 } : Double(printed.dropLast(2))
        #expect(seconds.map { limit.contains($0) } == true, "\(behaviour): \(result.err)")
        #expect(elapsed < 1.3, "\(behaviour): took \(elapsed)s")
    }

    @Test func onTimeoutRunRunsTheCommandAnyway() throws {
        let listener = try TestListener()
        let result = try Self.waitFor([
            "-q", "-t", "100ms", "--on-timeout", "run", listener.address, "--", "echo",
            "ran anyway",
        ])
        #expect(result.status == .exited(0))
        #expect(result.out == "ran anyway\n")
        #expect(result.err.hasSuffix("wait-for: warning: running echo anyway (--on-timeout run)\n"))
    }

    // MARK: - 126 / 127

    @Test(arguments: [
        (
            "not found", ["no-such-command-xyz"], 127 as Int32,
            "no-such-command-xyz: command not found"
        ),
        (
            "not executable", [WaitForCommandTests.notExecutable], 126,
            "\(WaitForCommandTests.notExecutable): cannot execute: Permission denied"
        ),
        ("a directory", ["/tmp"], 126, "/tmp: cannot execute: Is a directory"),
        (
            "a script whose interpreter is missing", [WaitForCommandTests.missingInterpreter], 126,
            "\(WaitForCommandTests.missingInterpreter): cannot execute: its interpreter "
                + "/nonexistent/sh (#! line) was not found"
        ),
    ])
    func aCommandThatCannotRun(
        _ behaviour: String, _ command: [String], _ status: Int32, _ message: String
    ) throws {
        let listener = try TestListener()
        listener.listen()
        let result = try Self.waitFor(["-q", listener.address, "--"] + command)
        #expect(result.status == .exited(status), "\(behaviour)")
        #expect(result.err == "wait-for: error: \(message)\n", "\(behaviour)")
    }

    // MARK: - 143 / 130

    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func aSignalEndsTheWaitWithin100ms(_ signal: Int32, _ status: Int32) throws {
        let listener = try TestListener()
        let child = try ChildProcess(
            Self.binary, ["-t", "60", listener.address, "--", "echo", "must not run"],
            environment: Self.environment)
        #expect(child.waitForOutput(seconds: 10) { _, err in err.contains(" not ready: ") })
        let sent = now()
        child.signal(signal)
        var ended: Double?
        while now() - sent < 5 {
            if child.poll() != nil {
                ended = now()
                break
            }
            usleep(1000)
        }
        let result = child.finish()
        #expect(result.status == .exited(status))
        #expect(result.out == "")
        #expect(
            ended.map { $0 - sent < 0.1 } == true, "ended \(ended.map { $0 - sent } ?? -1)s after")
        let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
        #expect(result.err.hasSuffix("wait-for: warning: interrupted by \(name)\n"))
    }

    // MARK: - --once

    @Test func onceExitsZeroOrOne() throws {
        let open = try TestListener()
        open.listen()
        let closed = try TestListener()
        let ready = try Self.waitFor(["--once", open.address])
        #expect(ready.status == .exited(0))
        let notReady = try Self.waitFor(["--once", open.address, closed.address])
        #expect(notReady.status == .exited(1))
        #expect(
            notReady.err.contains(
                "wait-for: error: \(closed.address) not ready: connect(\(closed.address)): Connection refused (errno 111)\n"
            ))
        let unavailable = try StubServer(
            turn: .first, replies: [[4, 0, 0, 0, 0xff, 0x69, 0x04, 0x21]])
        defer { unavailable.stop() }
        #expect(
            try Self.waitFor(["--once", "mysql://\(unavailable.address)"]).status == .exited(1))
    }

    // MARK: - Environment and formats

    @Test func targetsAndOptionsFromTheEnvironment() throws {
        let first = try TestListener()
        first.listen()
        let second = try TestListener()
        second.listen()
        let result = try Self.waitFor(
            [],
            environment: Self.environment.merging([
                "WAIT_FOR_TARGETS": "\(first.address), \(second.address)", "WAIT_FOR_TIMEOUT": "7s",
                "WAIT_FOR_INTERVAL": "100ms", "WAIT_FOR_CONNECT_TIMEOUT": "2s",
                "WAIT_FOR_LOG_FORMAT": "text", "WAIT_FOR_ON_TIMEOUT": "fail",
            ]) { $1 })
        #expect(result.status == .exited(0))
        #expect(result.err.contains("wait-for: info: waiting for \(first.address) (timeout 7s)\n"))
        #expect(result.err.contains("wait-for: info: waiting for \(second.address) (timeout 7s)\n"))
        let quiet = try Self.waitFor(
            [first.address], environment: Self.environment.merging(["WAIT_FOR_QUIET": "yes"]) { $1 }
        )
        #expect(quiet.err == "")
    }

    @Test func jsonLogsOneObjectPerLine() throws {
        let listener = try TestListener()
        let recorderTimeout = try Self.waitFor([
            "--log-format", "json", "-t", "120ms", listener.address,
        ])
        #expect(recorderTimeout.status == .exited(124))
        let objects = try recorderTimeout.err.split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        }
        #expect(objects.map { $0["event"] as? String } == ["waiting", "not_ready", "timed_out"])
        #expect(objects.map { $0["level"] as? String } == ["info", "info", "error"])
        #expect(objects.allSatisfy { $0["tool"] as? String == "wait-for" })
        #expect(objects.allSatisfy { $0["target"] as? String == listener.address })
        #expect(objects.allSatisfy { ($0["time"] as? String)?.hasSuffix("Z") == true })
        #expect(
            objects[1]["reason"] as? String
                == "connect(\(listener.address)): Connection refused (errno 111)")
        #expect((objects[2]["attempts"] as? Int).map { $0 >= 2 } == true)
        #expect((objects[2]["elapsed"] as? Double).map { $0 >= 0.12 } == true)
    }
}
