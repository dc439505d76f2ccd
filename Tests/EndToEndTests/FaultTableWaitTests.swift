import Foundation
import TestSupport
import Testing

/// The fault table's wait rows that need no server: a database that comes late, never, or sits
/// behind a black hole (SYNs dropped), as TCP listeners the test controls. The same rows against
/// real MariaDB and PostgreSQL, and a DNS name that appears mid-wait, are in
/// `ServerTests/FaultTableServerTests`.
@Suite struct FaultTableWaitTests {
    @Test func aBlackHoledDatabaseCostsOneConnectTimeoutPerAttemptAndTimesOutOnTime() throws {
        let blackHole = try TestListener()
        try blackHole.dropSYNs()
        let ready = try TestListener()
        ready.listen()
        let child = try EntrypointHarness.start([
            "--wait", "postgres://\(blackHole.address)", "--wait", ready.address,
            "--wait-timeout", "1s", "--", "echo", "never",
        ])
        child.waitForOutput(seconds: 10) { _, err in err.contains("waiting for") }
        let started = now()
        let result = child.finish()
        let elapsed = now() - started
        #expect(result.status == .exited(124))
        #expect(result.out == "")
        // The other target is not held up; the deadline is (+ 100 ms, + scheduling slack).
        #expect(result.err.contains("entrypoint: info: \(ready.address) ready after "))
        #expect(elapsed < 1.0 + 0.1 + 0.2, "took \(elapsed)s")
        #expect(
            result.err.contains(
                "entrypoint: error: postgres://\(blackHole.address) still not ready after 1.0"))
        // The attempt had the connect timeout (1s), or a few milliseconds less when it started late
        // on a loaded machine and the wait's deadline cut it short ("no answer within 985ms").
        let lastError = "(1 attempt); last error: connect(\(blackHole.address)): no answer within "
        let limit = result.err.range(of: lastError).map {
            String(result.err[$0.upperBound...].prefix { $0 != "\n" })
        }
        let milliseconds = limit.flatMap { $0 == "1s" ? 1000 : Int($0.dropLast(2)) }
        #expect(milliseconds.map { (900...1000).contains($0) } == true, "\(result.err)")
        #expect(
            result.err.hasSuffix(
                "entrypoint: error: gave up waiting for postgres://\(blackHole.address); start-up stopped\n"
            ))
    }

    @Test func aDatabaseThatComesLateIsSeenWithin50Milliseconds() throws {
        let late = try TestListener()
        let child = try EntrypointHarness.start([
            "--wait", late.address, "--", "echo", "server",
        ])
        #expect(
            child.waitForOutput(seconds: 10) { _, err in err.contains("\(late.address) not ready") }
        )
        let opened = now()
        late.listen()
        #expect(child.waitForOutput(seconds: 10) { out, _ in out == "server\n" })
        let latency = now() - opened
        let result = child.finish()
        #expect(result.status == .exited(0))
        // 50 ms is the schedule's period; allow scheduling slack on two busy cores.
        #expect(latency < 0.05 + 0.15, "seen after \(latency)s")
        #expect(result.err.contains("entrypoint: info: \(late.address) ready after "))
    }
}
