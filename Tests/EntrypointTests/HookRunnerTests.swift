import Glibc
import Platform
import TestSupport
import Testing

@testable import Entrypoint

/// The hook runner with real hooks through `/bin/sh`: the exit status decides, a timeout ends the
/// hook's group with the timeout error, the environment arrives byte for byte. Each run happens in a
/// forked child (`inChildProcess`): the runner routes SIGCHLD to the signal pipe and reaps orphans
/// with `waitpid(-1)`, which in the test process would take other tests' children.
@Suite struct HookRunnerTests {
    static let environment: Environment = ["PATH": "/usr/bin:/bin"]

    /// Runs `command` as the hook `h` (`timeout` in nanoseconds); the error or `done`, and the
    /// milliseconds it took.
    static func run(
        _ command: String, timeout: UInt64? = nil, environment: Environment = environment
    ) throws -> (outcome: String, milliseconds: Double) {
        let hook = Hook(name: "h", arguments: try Hook(command: command).arguments)
        let output = inChildProcess {
            let log = Log(level: .error) { _, _ in }
            var runner = HookRunner(timeout: timeout, log: log)
            runner.killGrace = 100_000_000
            let start = monotonicNanoseconds()
            var outcome = "done"
            do throws(SystemError) {
                // As `Startup.runHooks`: SIGCHLD wakes the runner when the hook ends.
                try Interruption.watchChildren()
            } catch {
                return "0\n\(error)"
            }
            do throws(EntrypointError) {
                try runner.run(hook, environment: environment)
            } catch {
                outcome = "error \(error.exitCode): \(error.description)"
            }
            return "\(Double(monotonicNanoseconds() - start) / 1e6)\n\(outcome)"
        }
        let lines = output.split(separator: "\n", maxSplits: 1).map(String.init)
        return (lines.count == 2 ? lines[1] : output, Double(lines.first ?? "") ?? -1)
    }

    @Test(arguments: [
        ("exit 0 is done", "sh -c 'exit 0'", "done"),
        (
            "a failure status stops start-up with that status", "sh -c 'exit 4'",
            "error 4: hook 'h' failed with exit status 4; start-up stopped"
        ),
        (
            "a signal is 128 + n", "sh -c 'kill -USR1 $$'",
            "error 138: hook 'h' was killed by SIGUSR1; start-up stopped"
        ),
        (
            "a program that does not exist is 127", "no-such-hook --now",
            "error 127: hook 'h': no-such-hook: command not found"
        ),
    ])
    func theExitStatusDecides(_ behaviour: String, _ command: String, _ expected: String) throws {
        let (outcome, milliseconds) = try Self.run(command)
        #expect(outcome == expected, "\(behaviour)")
        // SIGCHLD wakes the runner: no second-long poll per hook.
        #expect(milliseconds < 500, "\(behaviour): \(milliseconds) ms")
    }

    @Test func aHookPastItsTimeoutIsEndedWithItsGroup() throws {
        let (outcome, milliseconds) = try Self.run(
            "sh -c 'sleep 30 & sleep 30'", timeout: 100_000_000)
        #expect(
            outcome
                == "error 124: hook 'h' ran past its timeout of 100ms and was ended; start-up stopped"
        )
        #expect(milliseconds >= 100 && milliseconds < 1_000, "\(milliseconds) ms")
    }

    @Test func theEnvironmentArrivesByteForByte() throws {
        let directory = Paths.temporaryDirectory("hookrunner")
        defer { Paths.removeTree(directory) }
        var environment = Self.environment
        environment.set("V", bytes: [0xE9, 0x74, 0xE9])
        environment["OUT"] = directory + "/out"
        let (outcome, _) = try Self.run(
            "sh -c 'printf %s \"$V\" > \"$OUT\"; env | cut -d= -f1 | grep -vx PWD | sort >> \"$OUT\"'",
            environment: environment)
        #expect(outcome == "done")
        // The value's bytes, then the names the hook got (dash adds PWD itself): these and no more.
        #expect(readFile(directory + "/out") == [0xE9, 0x74, 0xE9] + Array("OUT\nPATH\nV\n".utf8))
    }
}
