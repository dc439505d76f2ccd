import Foundation
import TestSupport
import Testing

/// `--lock`: replicas sharing a volume run their hooks one after the other.
@Suite struct EntrypointLockTests {
    @Test func twoEntrypointsWithTheSameLockRunTheirHooksOneAfterTheOther() throws {
        let directory = Paths.temporaryDirectory("lock")
        defer { Paths.removeTree(directory) }
        let lock = directory + "/migrate.lock"
        let log = directory + "/log"
        // Each hook logs its start, holds on for a while, and logs its end.
        func hook(_ name: String) -> String {
            "sh -c 'echo start \(name) >> \(log); sleep 0.3; echo end \(name) >> \(log)'"
        }
        let first = try EntrypointHarness.start(["--lock", lock, "--hook", hook("a"), "true"])
        let second = try EntrypointHarness.start(["--lock", lock, "--hook", hook("b"), "true"])
        let results = [first.finish(), second.finish()]
        #expect(results.map(\.status) == [.exited(0), .exited(0)])
        let lines = readText(log)?.split(separator: "\n").map(String.init) ?? []
        #expect(
            lines == ["start a", "end a", "start b", "end b"]
                || lines == ["start b", "end b", "start a", "end a"],
            "the hooks overlapped: \(lines)")
        #expect(
            results.contains {
                $0.err.contains(
                    "entrypoint: info: waiting for lock \(lock) (held by another process)\n")
            })
        #expect(
            results.contains { $0.err.contains("entrypoint: info: acquired lock \(lock) after ") })
    }

    @Test func theLockIsReleasedBeforeTheServerStarts() throws {
        let directory = Paths.temporaryDirectory("lockrelease")
        defer { Paths.removeTree(directory) }
        let lock = directory + "/lock"
        let result = try EntrypointHarness.run([
            "--lock", lock, "--hook", "true", "--", "/usr/bin/flock", "--nonblock", lock, "echo",
            "free",
        ])
        #expect(result.status == .exited(0))
        #expect(result.out == "free\n")
    }

    @Test func aLockThatCannotBeCreatedIs73() throws {
        let result = try EntrypointHarness.run([
            "--log-level", "error", "--lock", "/nonexistent/dir/lock", "--hook", "true", "true",
        ])
        #expect(result.status == .exited(73))
        #expect(
            result.err
                == "entrypoint: error: cannot create /nonexistent/dir/lock: No such file or directory\n"
        )
    }
}
