import Foundation
import TestSupport
import Testing

/// Stop profiles (`--signal-group`, `--signal-map`, `--stop-signal`, `--stop-delay`,
/// `--stop-timeout`) and the child subreaper, with plain Python children standing in for servers.
@Suite struct EntrypointStopTests {
    /// A server stand-in: reports every signal it gets with its PID (`got TERM 123`); `exit` mode
    /// ends with 0 on TERM, QUIT or INT, `stay` mode keeps running, `ignore` mode ignores every
    /// signal and leaves a grandchild in its process group that ignores them too.
    static let server = """
        import os, signal, sys, time
        mode = sys.argv[1]
        def say(*words):
            # os.write, not print: a handler that prints while print flushes raises RuntimeError.
            os.write(1, (" ".join(map(str, words)) + "\\n").encode())
        def got(number, frame):
            say("got", signal.Signals(number).name[3:], os.getpid())
            if mode == "exit" and number in (signal.SIGTERM, signal.SIGQUIT, signal.SIGINT):
                sys.exit(0)
        names = ("SIGTERM", "SIGQUIT", "SIGINT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH")
        for name in names:
            signal.signal(getattr(signal, name), signal.SIG_IGN if mode == "ignore" else got)
        if mode == "ignore":
            grandchild = os.fork()
            if grandchild == 0:
                while True: time.sleep(1)
            say("grandchild", grandchild)
        say("ready", os.getpid())
        while True: time.sleep(0.01)
        """

    static let python = "/usr/bin/python3"

    /// Starts `entrypoint options... -- python3 -c server mode` and waits for `ready`.
    static func start(
        _ options: [String], mode: String = "exit", environment: [String: String] = [:]
    )
        throws -> ChildProcess
    {
        let child = try EntrypointHarness.start(
            options + ["--", python, "-c", server, mode], environment: environment)
        #expect(
            child.waitForOutput(seconds: 20) { out, _ in out.contains("ready ") },
            "the server did not start: \(child.stderrSoFar)")
        return child
    }

    /// The `got` lines printed so far, without PIDs.
    static func received(_ child: ChildProcess) -> [String] {
        child.stdoutSoFar.split(separator: "\n").filter { $0.hasPrefix("got ") }.map {
            $0.split(separator: " ")[1].description
        }
    }

    // MARK: - Options

    @Test(arguments: [
        ("--signal-group", ["--signal-group"], [String: String]()),
        ("--signal-map", ["--signal-map", "TERM:QUIT"], [:]),
        ("--stop-signal", ["--stop-signal", "SIGINT"], [:]),
        ("--stop-delay", ["--stop-delay", "0"], [:]),
        ("--stop-timeout", ["--stop-timeout", "10s"], [:]),
        ("ENTRYPOINT_SIGNAL_GROUP", [], ["ENTRYPOINT_SIGNAL_GROUP": "1"]),
        ("ENTRYPOINT_SIGNAL_MAP", [], ["ENTRYPOINT_SIGNAL_MAP": "TERM:QUIT"]),
        ("ENTRYPOINT_STOP_DELAY", [], ["ENTRYPOINT_STOP_DELAY": "5s"]),
        ("ENTRYPOINT_STOP_TIMEOUT", [], ["ENTRYPOINT_STOP_TIMEOUT": "20s"]),
    ])
    func everyStopOptionImpliesInit(
        _ behaviour: String, _ options: [String], _ environment: [String: String]
    ) throws {
        let result = try EntrypointHarness.run(
            options + ["--", "/bin/sh", "-c", "exit 7"], environment: environment)
        #expect(result.status == .exited(7), "\(behaviour)")
        #expect(result.err.contains("(init mode, pid "), "\(behaviour): \(result.err)")
    }

    @Test func aFalseSignalGroupVariableDoesNotImplyInit() throws {
        let result = try EntrypointHarness.run(
            ["--", "/bin/sh", "-c", "exit 7"], environment: ["ENTRYPOINT_SIGNAL_GROUP": "0"])
        #expect(result.status == .exited(7))
        #expect(result.err.contains("entrypoint: info: exec /bin/sh"), "\(result.err)")
    }

    @Test func theDryRunPlanShowsTheProfile() throws {
        let result = try EntrypointHarness.run(
            ["--dry-run", "--stop-delay", "5s", "--stop-timeout", "20s", "nginx"],
            environment: ["ENTRYPOINT_SIGNAL_MAP": "TERM:QUIT,HUP:USR1"])
        #expect(result.status == .exited(0))
        #expect(
            result.out.hasSuffix(
                """
                command: nginx (init mode: supervised as a child)
                stop: SIGTERM -> SIGQUIT after 5s, SIGKILL to its process group 20s later; \
                map SIGHUP:SIGUSR1

                """), "\(result.out)")
    }

    @Test(arguments: [
        (
            "an entry without a colon", ["--signal-map", "TERMQUIT"], [String: String](),
            "--signal-map: 'TERMQUIT' is not FROM:TO (e.g. TERM:QUIT)"
        ),
        (
            "an unknown name", [], ["ENTRYPOINT_SIGNAL_MAP": "TERM:QUIT,HUP:BOGUS"],
            "ENTRYPOINT_SIGNAL_MAP: 'HUP:BOGUS': 'BOGUS' is not a signal name or number"
        ),
        (
            "a number out of range", ["--signal-map", "15:99"], [:],
            "--signal-map: '15:99': '99' is not a signal name or number"
        ),
        (
            "KILL, which cannot be sent instead", ["--signal-map", "TERM:KILL"], [:],
            "--signal-map: 'TERM:KILL': SIGKILL cannot be caught, so it cannot be forwarded or sent instead"
        ),
        (
            "STOP, which cannot be caught", ["--signal-map", "SIGSTOP:TERM"], [:],
            "--signal-map: 'SIGSTOP:TERM': SIGSTOP cannot be caught, so it cannot be forwarded or sent instead"
        ),
        (
            "CHLD, the supervisor's own", ["--signal-map", "CHLD:HUP"], [:],
            "--signal-map: 'CHLD:HUP': SIGCHLD is the supervisor's own (it reaps children) and is not forwarded"
        ),
        (
            "a signal mapped twice", ["--signal-map", "TERM:QUIT,15:INT"], [:],
            "--signal-map: '15:INT': SIGTERM is mapped twice"
        ),
        (
            "an unknown stop signal", [], ["ENTRYPOINT_STOP_SIGNAL": "TERMINATE"],
            "ENTRYPOINT_STOP_SIGNAL: 'TERMINATE' is not a signal name or number"
        ),
        (
            "a malformed stop delay", ["--stop-delay", "5 seconds"], [:],
            "--stop-delay: '5 seconds' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
        ),
        (
            "a malformed stop timeout", [], ["ENTRYPOINT_STOP_TIMEOUT": "-1"],
            "ENTRYPOINT_STOP_TIMEOUT: '-1' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
        ),
        (
            "a value on --signal-group", ["--signal-group=1"], [:],
            "--signal-group takes no value"
        ),
    ])
    func usageErrors(
        _ behaviour: String, _ options: [String], _ environment: [String: String],
        _ message: String
    ) throws {
        let result = try EntrypointHarness.run(options + ["true"], environment: environment)
        #expect(result.status == .exited(64), "\(behaviour)")
        #expect(result.err == "entrypoint: error: \(message)\n", "\(behaviour)")
    }

    // MARK: - Forwarding

    @Test func theMapRewritesForwardedSignals() throws {
        let child = try Self.start(
            ["--signal-map", "HUP:USR1,SIGTERM:quit,10:WINCH"], mode: "exit")
        defer { _ = child.finish(timeout: 5) }
        for signal in [SIGHUP, SIGUSR1, SIGUSR2] {
            let count = Self.received(child).count
            child.signal(signal)
            #expect(child.waitForOutput(seconds: 5) { _, _ in Self.received(child).count > count })
        }
        child.signal(SIGTERM)
        let result = child.finish(timeout: 10)
        #expect(result.status == .exited(0))
        #expect(Self.received(child) == ["USR1", "WINCH", "USR2", "QUIT"])
        #expect(result.err.contains("entrypoint: info: stop: sending SIGQUIT to python3 (pid "))
    }

    @Test func theGroupGetsEverySignalWithSignalGroup() throws {
        // A shell-wrapped server: sh runs two servers and waits; only the group reaches them.
        let script = "\(Self.python) -c \"$1\" exit & \(Self.python) -c \"$1\" exit & wait"
        let grouped = try EntrypointHarness.start(
            ["--signal-group", "--", "/bin/sh", "-c", script, "sh", Self.server])
        defer { _ = grouped.finish(timeout: 5) }
        #expect(
            grouped.waitForOutput(seconds: 20) { out, _ in
                out.split(separator: "\n").filter { $0.hasPrefix("ready ") }.count == 2
            })
        grouped.signal(SIGTERM)
        let result = grouped.finish(timeout: 10)
        // sh has no trap: SIGTERM ends it (143), and both servers got it from the group.
        #expect(result.status == .exited(128 + SIGTERM), "\(result.err)")
        #expect(Self.received(grouped) == ["TERM", "TERM"])
        #expect(result.err.contains("stop: sending SIGTERM to the process group of sh (pid "))
    }

    @Test func withoutSignalGroupOnlyTheChildGetsIt() throws {
        let script =
            "trap 'echo sh got TERM; kill -KILL $!; exit 0' TERM; \(Self.python) -c \"$1\" stay & wait"
        let child = try EntrypointHarness.start(
            ["--init", "--", "/bin/sh", "-c", script, "sh", Self.server])
        defer { _ = child.finish(timeout: 5) }
        #expect(child.waitForOutput(seconds: 20) { out, _ in out.contains("ready ") })
        child.signal(SIGTERM)
        let result = child.finish(timeout: 10)
        #expect(result.status == .exited(0))
        #expect(result.out.contains("sh got TERM"))
        #expect(Self.received(child) == [])
    }

    // MARK: - Delay and timeout

    @Test func theDelayKeepsTheChildServingThenForwardsTheMappedSignal() throws {
        let child = try Self.start(["--stop-delay", "700ms", "--signal-map", "TERM:QUIT"])
        defer { _ = child.finish(timeout: 5) }
        let sent = now()
        child.signal(SIGTERM)
        #expect(child.waitForOutput(seconds: 10) { out, _ in out.contains("got QUIT") })
        let elapsed = now() - sent
        #expect(elapsed >= 0.7, "forwarded after \(elapsed) s")
        #expect(elapsed < 5, "forwarded after \(elapsed) s")
        let result = child.finish(timeout: 10)
        #expect(result.status == .exited(0))
        let stopLines = result.err.split(separator: "\n").filter { $0.contains(": stop: ") }.map {
            $0.replacing(/\(pid \d+\)/, with: "(pid N)").replacing(/after \d+ms/, with: "after T")
        }
        #expect(
            stopLines == [
                "entrypoint: info: stop: SIGTERM received, draining 700ms",
                "entrypoint: info: stop: drained for 700ms",
                "entrypoint: info: stop: sending SIGQUIT to python3 (pid N)",
                "entrypoint: info: stop: python3 ended after T: exit status 0",
            ], "\(result.err)")
    }

    @Test(arguments: [
        (
            "a second SIGTERM forwards the mapped stop signal at once", SIGTERM, "QUIT",
            "second SIGTERM"
        ),
        ("SIGINT ends the drain and is forwarded itself", SIGINT, "INT", "SIGINT"),
    ])
    func theDelayIsCutShort(
        _ behaviour: String, _ second: Int32, _ forwarded: String, _ logged: String
    ) throws {
        let child = try Self.start(["--stop-delay", "30s", "--signal-map", "TERM:QUIT"])
        defer { _ = child.finish(timeout: 5) }
        child.signal(SIGTERM)
        #expect(child.waitForOutput(seconds: 10) { _, err in err.contains("draining 30s") })
        #expect(Self.received(child) == [], "\(behaviour)")
        let sent = now()
        child.signal(second)
        let result = child.finish(timeout: 10)
        #expect(now() - sent < 5, "\(behaviour)")
        #expect(result.status == .exited(0), "\(behaviour)")
        #expect(Self.received(child) == [forwarded], "\(behaviour)")
        #expect(
            result.err.contains("stop: \(logged) received after "), "\(behaviour): \(result.err)")
    }

    @Test func aChildEndingDuringTheDelayEndsTheSupervisorWithItsStatus() throws {
        let result = try EntrypointHarness.run(
            [
                "--stop-delay", "30s", "--", "/bin/sh", "-c",
                "trap 'exit 3' HUP; kill -TERM $PPID; sleep 0.3; kill -HUP $$; sleep 30 & wait",
            ], timeout: 20)
        #expect(result.status == .exited(3))
        #expect(result.err.contains("stop: sh ended by itself "), "\(result.err)")
        #expect(result.err.contains("into the drain: exit status 3"), "\(result.err)")
    }

    @Test func theTimeoutKillsTheWholeGroupOfAChildThatIgnoresEverything() throws {
        let child = try Self.start(["--stop-timeout", "500ms"], mode: "ignore")
        defer { _ = child.finish(timeout: 5) }
        let grandchild = try #require(
            child.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("grandchild ") }?
                .split(separator: " ").last.flatMap { pid_t($0) })
        let sent = now()
        child.signal(SIGTERM)
        let result = child.finish(timeout: 10)
        let elapsed = now() - sent
        #expect(result.status == .exited(137))
        #expect(elapsed >= 0.5 && elapsed < 5, "ended after \(elapsed) s")
        #expect(
            result.err.contains(
                "ms after SIGTERM: sent SIGKILL to its process group (exit 137)\n"), "\(result.err)"
        )
        #expect(result.err.contains("ended after 5"), "\(result.err)")
        #expect(
            EntrypointHarness.waitUntil(seconds: 5) { !EntrypointHarness.isRunning(grandchild) },
            "the grandchild in the child's group survived")
    }

    @Test func aSecondSIGTERMAfterTheForwardIsForwardedAgainAndTheTimeoutStands() throws {
        let child = try Self.start(
            ["--stop-timeout", "1s", "--signal-map", "TERM:HUP"], mode: "stay")
        defer { _ = child.finish(timeout: 5) }
        let sent = now()
        child.signal(SIGTERM)
        #expect(child.waitForOutput(seconds: 5) { _, _ in Self.received(child) == ["HUP"] })
        child.signal(SIGTERM)
        #expect(child.waitForOutput(seconds: 5) { _, _ in Self.received(child) == ["HUP", "HUP"] })
        let result = child.finish(timeout: 10)
        #expect(result.status == .exited(137))
        #expect(now() - sent < 4)
        #expect(result.err.contains("stop: SIGTERM received again, sending SIGHUP to python3"))
    }

    // MARK: - Subreaper

    @Test func notPID1ItIsTheSubreaperAndReapsEveryOrphan() throws {
        // Twenty double-forked grandchildren: their parents end at once, so they are orphans, which
        // come to the entrypoint (the test runner is no subreaper) and end 300 ms later.
        let script = """
            import os, time
            orphans = []
            for _ in range(20):
                read, write = os.pipe()
                parent = os.fork()
                if parent == 0:
                    orphan = os.fork()
                    if orphan == 0:
                        time.sleep(0.3)
                        os._exit(0)
                    os.write(write, str(orphan).encode())
                    os._exit(0)
                os.close(write)
                orphans.append(os.read(read, 32).decode())
                os.waitpid(parent, 0)
            print(" ".join(orphans), flush=True)
            time.sleep(1.5)
            """
        let result = try EntrypointHarness.run(
            ["--init", "--log-level", "debug", "--", Self.python, "-c", script], timeout: 30)
        #expect(result.status == .exited(0))
        #expect(result.err.contains("registered as child subreaper (pid "))
        let orphans = result.out.split(whereSeparator: { $0 == " " || $0 == "\n" })
        #expect(orphans.count == 20)
        for orphan in orphans {
            #expect(
                result.err.contains(
                    "entrypoint: debug: reaped orphan pid \(orphan) (exit status 0)\n"),
                "orphan \(orphan) was not reaped by the entrypoint")
        }
    }
}
