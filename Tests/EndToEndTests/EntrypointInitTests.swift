import Foundation
import TestSupport
import Testing

/// `--init`: the entrypoint stays PID 1, forwards signals unchanged, reaps orphans, exits with the child.
@Suite struct EntrypointInitTests {
    /// A server stand-in that reports each signal it gets, as nginx (QUIT), httpd (WINCH), haproxy
    /// (USR1) and gunicorn (TERM) act on theirs; it leaves an orphan behind first.
    static let server = """
        trap 'echo got QUIT' QUIT; trap 'echo got WINCH' WINCH; trap 'echo got USR1' USR1
        trap 'echo got TERM; exit 0' TERM
        sh -c 'sleep 0.2 & echo orphan $!'
        echo ready $$
        while :; do sleep 0.02; done
        """

    @Test func theChildsExitStatusIsTheEntrypoints() throws {
        let result = try EntrypointHarness.run(["--init", "--", "sh", "-c", "exit 3"])
        #expect(result.status == .exited(3))
        let killed = try EntrypointHarness.run([
            "--init", "--log-level", "error", "--", "sh", "-c", "kill -USR2 $$",
        ])
        #expect(killed.status == .exited(128 + SIGUSR2))
    }

    @Test func commandFailuresAre127And126() throws {
        let missing = try EntrypointHarness.run([
            "--init", "--log-level", "error", "no-such-server",
        ])
        #expect(missing.status == .exited(127))
        #expect(missing.err == "entrypoint: error: no-such-server: command not found\n")
        let denied = try EntrypointHarness.run(["--init", "--log-level", "error", "/etc/passwd"])
        #expect(denied.status == .exited(126))
    }

    @Test func signalsAreForwardedUnchangedAndTheChildHasItsOwnGroup() throws {
        let child = try EntrypointHarness.start([
            "--init", "--", "sh", "-c", Self.server,
        ])
        defer { _ = child.finish(timeout: 5) }
        try Self.exerciseForwarding(entrypoint: child.pid, output: child)
        #expect(child.finish().status == .exited(0))
    }

    @Test func asPID1InANewPIDNamespaceItReapsOrphansAndForwards() throws {
        let child = try ChildProcess(
            "/usr/bin/unshare",
            [
                "--pid", "--fork", EntrypointHarness.binary, "--init", "--log-level", "debug", "--",
                "sh", "-c", Self.server,
            ],
            environment: EntrypointHarness.environment())
        defer { _ = child.finish(timeout: 5) }
        // unshare forks the entrypoint, which is PID 1 inside and has a PID of its own outside.
        var entrypoint: pid_t?
        EntrypointHarness.waitUntil {
            entrypoint = readText("/proc/\(child.pid)/task/\(child.pid)/children").flatMap {
                pid_t($0.trimmingCharacters(in: .whitespaces))
            }
            return entrypoint != nil && EntrypointHarness.commandLine(entrypoint ?? 0).count > 1
        }
        let pid = try #require(entrypoint)
        #expect(child.waitForOutput(seconds: 10) { _, err in err.contains("(init mode, pid 1)") })

        // The orphan (a grandchild whose parent exited) comes to PID 1, which reaps it.
        #expect(child.waitForOutput(seconds: 10) { out, _ in out.contains("orphan ") })
        let orphan =
            child.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("orphan ") }?
            .split(separator: " ").last.map(String.init) ?? "?"
        #expect(
            child.waitForOutput(seconds: 10) { _, err in
                err.contains("entrypoint: debug: reaped orphan pid \(orphan) (exit status 0)\n")
            })
        let children = readText("/proc/\(pid)/task/\(pid)/children")?.split(separator: " ") ?? []
        #expect(children.count == 1, "PID 1 has children left: \(children)")

        try Self.exerciseForwarding(entrypoint: pid, output: child)
        let result = child.finish()
        #expect(result.status == .exited(0))
        #expect(result.err.contains("entrypoint: info: stop: sending SIGTERM to sh (pid 2)\n"))
        #expect(result.err.contains("ms: exit status 0\n"))
    }

    /// Sends SIGQUIT, SIGWINCH, SIGUSR1 and SIGTERM to `entrypoint` and checks the server got each.
    static func exerciseForwarding(entrypoint: pid_t, output: ChildProcess) throws {
        #expect(output.waitForOutput(seconds: 10) { out, _ in out.contains("ready ") })
        let server = try #require(
            output.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("ready ") }?
                .split(separator: " ").last.map(String.init))
        // The server runs in a process group of its own (it is a group leader).
        let serverHostPID = readText("/proc/\(entrypoint)/task/\(entrypoint)/children")?
            .split(separator: " ").first.flatMap { pid_t($0) }
        if let serverHostPID {
            #expect(getpgid(serverHostPID) == serverHostPID)
            #expect(getpgid(serverHostPID) != getpgid(entrypoint))
        }
        #expect(!server.isEmpty)
        for (signal, name) in [
            (SIGQUIT, "QUIT"), (SIGWINCH, "WINCH"), (SIGUSR1, "USR1"), (SIGTERM, "TERM"),
        ] {
            kill(entrypoint, signal)
            #expect(
                output.waitForOutput(seconds: 5) { out, _ in out.contains("got \(name)\n") },
                "\(name) was not forwarded")
        }
        #expect(
            output.stdoutSoFar.split(separator: "\n").filter { $0.hasPrefix("got ") }
                == ["got QUIT", "got WINCH", "got USR1", "got TERM"])
    }
}
