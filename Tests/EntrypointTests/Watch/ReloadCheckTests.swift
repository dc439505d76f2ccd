import Entrypoint
import Glibc
import Platform
import TestSupport
import Testing

/// The reload check: its exit status decides, its output is kept for the log, a timeout or a stop
/// ends it.
@Suite struct ReloadCheckTests {
    static let environment: Environment = ["PATH": "/usr/bin:/bin"]

    static func check(_ command: String, timeout: UInt64 = 5_000_000_000) throws -> ReloadCheck {
        var check = ReloadCheck(command: try Hook(command: command), timeout: timeout)
        check.killGrace = 100_000_000
        return check
    }

    @Test(arguments: [
        (
            "exit 0 passes", "sh -c 'echo syntax is ok'", ReloadCheck.Outcome.passed,
            "syntax is ok\n"
        ),
        (
            "a failure status fails, stderr kept", "sh -c 'echo bad line 3 >&2; exit 1'",
            .failed(.exited(1)), "bad line 3\n"
        ),
        ("a signal fails", "sh -c 'kill -USR1 $$'", .failed(.signaled(SIGUSR1)), ""),
        (
            "a program that does not exist fails", "no-such-checker -t",
            .notStarted("no-such-checker: command not found"), ""
        ),
        ("stdin is /dev/null", "sh -c 'cat; echo done'", .passed, "done\n"),
    ])
    func outcome(
        _ behaviour: String, _ command: String, _ outcome: ReloadCheck.Outcome, _ output: String
    ) throws {
        let result = try Self.check(command).run(environment: Self.environment) { nil }
        #expect(result.outcome == outcome, "\(behaviour)")
        #expect(result.output == output, "\(behaviour)")
    }

    @Test func aCheckPastItsTimeoutIsEndedWithItsGroup() throws {
        let start = monotonicNanoseconds()
        let result = try Self.check("sh -c 'sleep 30 & sleep 30'", timeout: 200_000_000).run(
            environment: Self.environment
        ) { nil }
        #expect(result.outcome == .timedOut(seconds: 0.2))
        #expect(monotonicNanoseconds() - start < 2_000_000_000)
    }

    @Test func aStopEndsTheCheckAtOnce() throws {
        let start = monotonicNanoseconds()
        let result = try Self.check("sleep 30").run(environment: Self.environment) {
            monotonicNanoseconds() - start > 100_000_000 ? SIGTERM : nil
        }
        #expect(result.outcome == .interrupted(signal: SIGTERM))
        #expect(monotonicNanoseconds() - start < 500_000_000)
    }

    @Test func outputPastTheLimitIsDropped() throws {
        let result = try Self.check("sh -c 'head -c 100000 /dev/zero | tr \"\\\\0\" x'").run(
            environment: Self.environment
        ) { nil }
        #expect(result.outcome == .passed)
        #expect(result.output.utf8.count == ReloadCheck.outputLimit)
    }
}
