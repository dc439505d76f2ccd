import Foundation
import TestSupport
import Testing

/// SIGTERM/SIGINT before the exec abort start-up within 100 ms with 143/130, ending a running hook.
@Suite struct EntrypointSignalTests {
    @Test(arguments: [(SIGTERM, Int32(143), "SIGTERM"), (SIGINT, Int32(130), "SIGINT")])
    func aSignalDuringAHookAbortsAndEndsTheHook(_ signal: Int32, _ code: Int32, _ name: String)
        throws
    {
        let directory = Paths.temporaryDirectory("hooksignal")
        defer { Paths.removeTree(directory) }
        let child = try EntrypointHarness.start([
            "--hook",
            "sh -c 'echo $$ > \(directory)/pid; sleep 30 & echo $! > \(directory)/child; wait'",
            "--", "echo", "never",
        ])
        let hook = try #require(EntrypointHarness.pid(inFile: directory + "/pid"))
        let grandchild = try #require(EntrypointHarness.pid(inFile: directory + "/child"))

        child.signal(signal)
        let elapsed = try #require(EntrypointHarness.millisecondsUntilExit(child))
        let result = child.finish()
        #expect(result.status == .exited(code))
        #expect(elapsed < 100, "start-up took \(elapsed) ms to abort")
        #expect(result.out == "")
        #expect(result.err.hasSuffix("entrypoint: error: \(name) received: start-up aborted\n"))
        #expect(!EntrypointHarness.isRunning(hook), "the hook is still running")
        #expect(
            EntrypointHarness.waitUntil(seconds: 1) { !EntrypointHarness.isRunning(grandchild) },
            "the hook's child is still running")
    }

    @Test func aSignalWhileWaitingForTheLockAborts() throws {
        let directory = Paths.temporaryDirectory("locksignal")
        defer { Paths.removeTree(directory) }
        let lock = directory + "/lock"
        let holder = try ChildProcess(
            "/usr/bin/flock", [lock, "sh", "-c", "echo $$ > \(directory)/holder; exec sleep 30"],
            environment: EntrypointHarness.environment())
        let sleeper = try #require(EntrypointHarness.pid(inFile: directory + "/holder"))
        defer {
            kill(sleeper, SIGKILL)
            _ = holder.finish()
        }
        let child = try EntrypointHarness.start(["--lock", lock, "--hook", "echo never", "true"])
        #expect(
            child.waitForOutput(seconds: 10) { _, err in err.contains("waiting for lock \(lock)") })

        child.signal(SIGTERM)
        let elapsed = try #require(EntrypointHarness.millisecondsUntilExit(child))
        let result = child.finish()
        #expect(result.status == .exited(143))
        #expect(elapsed < 100, "start-up took \(elapsed) ms to abort")
        #expect(
            result.err == """
                entrypoint: info: waiting for lock \(lock) (held by another process)
                entrypoint: error: SIGTERM received: start-up aborted

                """)
    }
}
