import Foundation
import TestSupport
import Testing

/// The wait phase: targets awaited in parallel before the hooks; 124, 69, and SIGTERM within 100 ms.
@Suite struct EntrypointWaitTests {
    @Test func theServerStartsOnceEveryTargetIsReady() throws {
        let late = try TestListener()
        let ready = try TestListener()
        ready.listen()
        let child = try EntrypointHarness.start([
            "--wait", late.address, "--wait", ready.address, "--hook", "echo hook", "--", "echo",
            "server",
        ])
        #expect(
            child.waitForOutput(seconds: 10) { _, err in err.contains("\(late.address) not ready") }
        )
        #expect(child.stdoutSoFar == "", "a hook or the server ran before the wait ended")
        late.listen()
        let result = child.finish()
        #expect(result.status == .exited(0))
        #expect(result.out == "hook\nserver\n")
        #expect(
            result.err.contains("entrypoint: info: waiting for \(late.address) (timeout 60s)\n"))
        #expect(result.err.contains("entrypoint: info: \(late.address) ready after "))
    }

    @Test func aTargetThatNeverComesIs124AndNothingRuns() throws {
        let never = try TestListener()
        let result = try EntrypointHarness.run([
            "--wait", never.address, "--wait-timeout", "300ms", "--hook", "echo never", "--",
            "echo", "never",
        ])
        #expect(result.status == .exited(124))
        #expect(result.out == "")
        #expect(result.err.contains("entrypoint: error: \(never.address) still not ready after "))
        #expect(
            result.err.hasSuffix(
                "entrypoint: error: gave up waiting for \(never.address); start-up stopped\n"))
    }

    @Test func aBlockedMySQLHostIs69() throws {
        let message = "Host '127.0.0.1' is blocked because of many connection errors"
        let payload = [0xff, 0x69, 0x04] + Array(message.utf8)
        let server = try StubServer(
            turn: .first, replies: [[UInt8(payload.count), 0, 0, 0] + payload])
        defer { server.stop() }
        let result = try EntrypointHarness.run([
            "--wait", "mysql://\(server.address)", "--", "echo", "never",
        ])
        #expect(result.status == .exited(69))
        #expect(result.out == "")
        #expect(
            result.err.hasSuffix(
                "entrypoint: error: mysql://\(server.address) is unavailable; start-up stopped\n"))
    }

    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func aSignalDuringTheWaitAbortsWithin100Milliseconds(_ signal: Int32, _ code: Int32) throws {
        let never = try TestListener()
        let child = try EntrypointHarness.start(["--wait", never.address, "--", "echo", "never"])
        #expect(child.waitForOutput(seconds: 10) { _, err in err.contains("not ready") })
        child.signal(signal)
        let elapsed = try #require(EntrypointHarness.millisecondsUntilExit(child))
        let result = child.finish()
        #expect(result.status == .exited(code))
        #expect(elapsed < 100, "start-up took \(elapsed) ms to abort")
        #expect(result.out == "")
    }

    @Test func healthcheckProbesOnce() throws {
        let up = try TestListener()
        up.listen()
        let down = try TestListener()
        let ready = try EntrypointHarness.run(["healthcheck", up.address])
        #expect(ready.status == .exited(0))
        let start = now()
        let failing = try EntrypointHarness.run(["healthcheck", up.address, down.address])
        #expect(failing.status == .exited(1))
        #expect(now() - start < 2, "a health check waits instead of probing once")
        let usage = try EntrypointHarness.run(["healthcheck", "db:99999"])
        #expect(usage.status == .exited(64))
    }
}
