import Entrypoint
import Glibc
import Platform
import TestSupport
import Testing

/// `--init` with a real child: its exit status is the supervisor's, a signal that ended it is
/// 128 + n, a signal the supervisor receives is forwarded. Each supervisor runs in a forked child
/// (`inChildProcess`): it blocks signals, reads them from a signalfd, registers as child subreaper
/// and reaps with `waitpid(-1)` — none of which may touch the test process.
@Suite struct InitSupervisorTests {
    /// Supervises `sh -c script` with `profile`; the exit code, or the error.
    static func supervise(_ script: String, profile: StopProfile = StopProfile()) -> String {
        inChildProcess {
            let log = Log(level: .error) { _, _ in }
            do throws(EntrypointError) {
                let supervisor = try InitSupervisor(
                    command: ["sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"],
                    profile: profile, log: log)
                return "exit \(try supervisor.run())"
            } catch {
                return "error \(error.exitCode): \(error.description)"
            }
        }
    }

    /// Rows: the behaviour, the `--signal-map` (empty for none), the child's script, the outcome.
    @Test(arguments: [
        ("the exit status is passed through", "", "exit 3", "exit 3"),
        ("a child killed by a signal is 128 + n", "", "kill -USR2 $$", "exit 140"),
        (
            "a signal to the supervisor is forwarded to the child", "",
            "trap 'exit 7' USR1; kill -USR1 $PPID; while :; do sleep 0.01; done", "exit 7"
        ),
        (
            "the stop signal is forwarded and its end is 143", "",
            "kill -TERM $PPID; exec sleep 10", "exit 143"
        ),
        (
            "the signal map rewrites what is forwarded", "USR1:QUIT",
            "trap 'exit 9' QUIT; kill -USR1 $PPID; while :; do sleep 0.01; done", "exit 9"
        ),
    ])
    func theChildsEndIsTheSupervisors(
        _ behaviour: String, _ signalMap: String, _ script: String, _ expected: String
    ) throws {
        var profile = StopProfile()
        if !signalMap.isEmpty { profile.signalMap = try SignalMap(parsing: signalMap) }
        let start = now()
        let outcome = Self.supervise(script, profile: profile)
        #expect(outcome == expected, "\(behaviour)")
        #expect(now() - start < 2, "\(behaviour)")
    }

    @Test func aCommandThatDoesNotExistIs127() {
        let outcome = inChildProcess {
            let log = Log(level: .error) { _, _ in }
            do throws(EntrypointError) {
                let supervisor = try InitSupervisor(
                    command: ["no-such-server"], environment: ["PATH": "/usr/bin:/bin"], log: log)
                return "exit \(try supervisor.run())"
            } catch {
                return "error \(error.exitCode): \(error.description)"
            }
        }
        #expect(outcome == "error 127: no-such-server: command not found")
    }
}
