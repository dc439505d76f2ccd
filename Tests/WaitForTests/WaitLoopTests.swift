import TestSupport
import Testing
import WaitFor

#if canImport(Glibc)
import Glibc
#endif

/// The wait loop against sockets and files the test controls. Scenarios are driven by the loop's own
/// events (the listener opens when the first "not ready" is logged), never by sleeps.
@Suite struct WaitLoopTests {
    /// Collects events; `onNotReady` runs once, at the first `notReady` event.
    final class Recorder {
        var events: [WaitEvent] = []
        var onNotReady: (() -> Void)?

        func record(_ event: WaitEvent) {
            events.append(event)
            if event.kind == .notReady, let action = onNotReady {
                onNotReady = nil
                action()
            }
        }

        var messages: [String] { events.map(\.message) }
    }

    static func fast(timeout: Double = 5, connect: Double = 1) -> WaitOptions {
        WaitOptions(
            timeout: UInt64(timeout * 1e9), connectTimeout: UInt64(connect * 1e9))
    }

    @Test func aLateListenerIsSeen() throws {
        let listener = try TestListener()
        let target = try Target(parsing: listener.address)
        let recorder = Recorder()
        recorder.onNotReady = { listener.listen() }
        let outcome = waitUntilReady([target], options: Self.fast(), log: recorder.record)
        #expect(outcome == .ready)
        #expect(recorder.events.map(\.kind) == [.waiting, .notReady, .ready])
        #expect(recorder.messages[0] == "waiting for \(listener.address) (timeout 5s)")
        #expect(
            recorder.messages[1]
                == "\(listener.address) not ready: connect(\(listener.address)): Connection refused (errno 111)"
        )
        #expect(recorder.messages[2].hasPrefix("\(listener.address) ready after 0.0"))
        #expect(recorder.messages[2].hasSuffix("s, 2 attempts"))
    }

    @Test func aListenerThatNeverComesTimesOutOnTime() throws {
        let listener = try TestListener()
        let target = try Target(parsing: listener.address)
        let recorder = Recorder()
        let started = now()
        let outcome = waitUntilReady(
            [target], options: Self.fast(timeout: 0.5), log: recorder.record)
        let elapsed = now() - started
        let reason = "connect(\(listener.address)): Connection refused (errno 111)"
        guard case .notReady(let failures) = outcome else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
        #expect(failures.map(\.reason) == [reason])
        #expect(elapsed >= 0.5 && elapsed < 0.6, "took \(elapsed)s")
        // 50 ms apart: 10 attempts in 0.5 s, never more than 20 a second.
        #expect((9...11).contains(failures[0].attempts), "\(failures[0].attempts) attempts")
        #expect(recorder.events.map(\.kind) == [.waiting, .notReady, .timedOut])
        #expect(recorder.events.last?.level == .error)
        #expect(recorder.events.last?.reason == reason)
        #expect(
            recorder.messages.last?.hasPrefix("\(listener.address) still not ready after 0.5")
                == true)
    }

    @Test func aListenerThatDropsSYNsCostsOneConnectTimeoutPerAttempt() throws {
        let blackHole = try TestListener()
        try blackHole.dropSYNs()
        let open = try TestListener()
        open.listen()
        let targets = [try Target(parsing: blackHole.address), try Target(parsing: open.address)]
        let recorder = Recorder()
        let started = now()
        let outcome = waitUntilReady(
            targets, options: Self.fast(timeout: 0.7, connect: 0.2), log: recorder.record)
        let elapsed = now() - started
        let reason = "connect(\(blackHole.address)): no answer within 200ms"
        guard case .notReady(let failures) = outcome else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
        #expect(failures.map(\.target) == [targets[0]])
        #expect(failures.map(\.reason) == [reason])
        // One attempt per 200 ms connect timeout: 0.7 s holds 3 finished ones and a fourth cut short.
        #expect((3...4).contains(failures[0].attempts), "\(failures[0].attempts) attempts")
        #expect(elapsed >= 0.7 && elapsed < 0.8, "took \(elapsed)s")
        // The open port was ready at once, while the black hole hung.
        let ready = recorder.events.first { $0.kind == .ready }
        #expect(ready?.target == open.address)
        #expect(ready.map { $0.elapsed < 100_000_000 } == true)
    }

    @Test func ipv6Loopback() throws {
        let listener = try TestListener(host: "::1")
        listener.listen()
        let recorder = Recorder()
        let outcome = waitUntilReady(
            [try Target(parsing: "[::1]:\(listener.port)")], options: Self.fast(),
            log: recorder.record)
        #expect(outcome == .ready)
        #expect(
            recorder.events.last?.message.hasPrefix("[::1]:\(listener.port) ready after") == true)
    }

    @Test func aNameIsResolvedOnEveryAttempt() throws {
        let listener = try TestListener()
        listener.listen()
        let recorder = Recorder()
        let outcome = waitUntilReady(
            [try Target(parsing: "localhost:\(listener.port)")], options: Self.fast(),
            log: recorder.record)
        #expect(outcome == .ready)
    }

    @Test func anUnknownNameKeepsTheDeadline() throws {
        // Not in /etc/hosts: the resolver asks DNS, which may hang here (no network) or answer
        // NXDOMAIN; either way the wait ends on time with the resolver's error.
        let target = try Target(parsing: "no-such-host.invalid:80")
        let recorder = Recorder()
        let started = now()
        let outcome = waitUntilReady(
            [target], options: Self.fast(timeout: 0.3, connect: 0.2), log: recorder.record)
        let elapsed = now() - started
        #expect(elapsed < 0.4, "took \(elapsed)s")
        guard case .notReady(let failures) = outcome else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
        #expect(failures[0].reason.hasPrefix("resolve(no-such-host.invalid): "))
    }

    @Test func aUnixSocketThatAppearsMidWait() throws {
        let directory = Paths.temporaryDirectory("waitfor-unix")
        defer { Paths.removeTree(directory) }
        let path = directory + "/app.sock"
        let recorder = Recorder()
        var listener: UnixListener?
        recorder.onNotReady = { listener = try? UnixListener(path: path) }
        let outcome = waitUntilReady(
            [try Target(parsing: "unix://" + path)], options: Self.fast(), log: recorder.record)
        #expect(listener != nil)
        #expect(outcome == .ready)
        #expect(
            recorder.messages[1]
                == "unix://\(path) not ready: connect(\(path)): No such file or directory (errno 2)"
        )
    }

    @Test func aFileThatAppearsMidWait() throws {
        let directory = Paths.temporaryDirectory("waitfor-file")
        defer { Paths.removeTree(directory) }
        let path = directory + "/ready"
        let recorder = Recorder()
        recorder.onNotReady = { writeFile(path, "") }
        let outcome = waitUntilReady(
            [try Target(parsing: "file://" + path)], options: Self.fast(), log: recorder.record)
        #expect(outcome == .ready)
        #expect(
            recorder.messages[1]
                == "file://\(path) not ready: stat(\(path)): No such file or directory (errno 2)")
    }

    @Test func httpUnavailableThenOK() throws {
        let server = try StubServer(httpStatuses: [503, 503, 200])
        defer { server.stop() }
        let recorder = Recorder()
        let outcome = waitUntilReady(
            [try Target(parsing: "http://\(server.address)/health")], options: Self.fast(),
            log: recorder.record)
        #expect(outcome == .ready)
        #expect(recorder.events.map(\.kind) == [.waiting, .notReady, .ready])
        #expect(
            recorder.messages[1]
                == "http://\(server.address)/health not ready: \(server.address): HTTP 503 Service Unavailable (ready means 200-399)"
        )
        #expect(recorder.messages[2].hasSuffix(", 3 attempts (HTTP 200 OK)"))
        #expect(server.connectionsServed == 3)
    }

    @Test func mysqlHostBlockedEndsTheWaitAsUnavailable() throws {
        let message =
            "Host '127.0.0.1' is blocked because of many connection errors; unblock with 'mariadb-admin flush-hosts'"
        let payload = [0xff, 0x69, 0x04] + Array(message.utf8)
        let server = try StubServer(
            turn: .first, replies: [[UInt8(payload.count), 0, 0, 0] + payload])
        defer { server.stop() }
        let recorder = Recorder()
        let target = try Target(parsing: "mysql://\(server.address)")
        let outcome = waitUntilReady([target], options: Self.fast(), log: recorder.record)
        guard case .unavailable(let failure) = outcome else {
            Issue.record("expected unavailable, got \(outcome)")
            return
        }
        #expect(
            failure.reason.hasPrefix(
                "\(server.address): MySQL error 1129: \(message) (waiting cannot help"))
        #expect(recorder.events.map(\.kind) == [.waiting, .unavailable])
        #expect(recorder.events.last?.level == .error)
    }

    @Test func everyTargetIsAwaitedInParallel() throws {
        let first = try TestListener()
        let second = try TestListener()
        second.listen()
        let recorder = Recorder()
        recorder.onNotReady = { first.listen() }
        let outcome = waitUntilReady(
            [try Target(parsing: first.address), try Target(parsing: second.address)],
            options: Self.fast(), log: recorder.record)
        #expect(outcome == .ready)
        #expect(recorder.events.filter { $0.kind == .ready }.count == 2)
    }

    @Test func aTargetsOwnTimeoutWins() throws {
        let listener = try TestListener()
        let started = now()
        let outcome = waitUntilReady(
            [try Target(parsing: "\(listener.address)?timeout=200ms")],
            options: Self.fast(timeout: 30),
            log: { _ in })
        #expect(now() - started < 0.3)
        guard case .notReady = outcome else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
    }

    @Test func onceProbesEachTargetOneTime() throws {
        let open = try TestListener()
        open.listen()
        let closed = try TestListener()
        let recorder = Recorder()
        let outcome = probeOnce(
            [try Target(parsing: open.address), try Target(parsing: closed.address)],
            options: Self.fast(), log: recorder.record)
        let reason = "connect(\(closed.address)): Connection refused (errno 111)"
        #expect(
            outcome
                == .notReady([
                    TargetFailure(
                        target: try Target(parsing: closed.address), reason: reason, attempts: 1)
                ]))
        #expect(
            recorder.events.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.notReady, .ready])
        #expect(recorder.messages.contains("\(closed.address) not ready: \(reason)"))
        let onlyOpen = probeOnce(
            [try Target(parsing: open.address)], options: Self.fast(), log: { _ in })
        #expect(onlyOpen == .ready)
    }
}
