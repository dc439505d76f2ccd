import TestSupport
import Testing
import WaitFor

#if canImport(Glibc)
import Glibc
#endif

/// The `redis://` and `amqp://` probes against Debian's redis-server and rabbitmq-server, started
/// by the test. Each server starts once per test (Redis restarts once, to load its RDB file).
@Suite(.serialized) struct RedisAMQPServerTests {
    static func options(timeout: Double = 60) -> WaitOptions {
        WaitOptions(timeout: UInt64(timeout * 1e9))
    }

    /// A server with `requirepass`: the right password (in the URL and from a file), none, and a
    /// wrong one; then the same server restarted on a large RDB file, which it answers `-LOADING`
    /// for seconds: the probe keeps waiting until it is loaded.
    @Test(.enabled(if: ServerPrograms.haveRedis))
    func redisWithAPasswordAndWhileLoadingALargeRDB() throws {
        let password = "pw-\(getpid())"
        let server = try RedisServer(password: password)
        defer { server.remove() }
        let passwordFile = server.directory + "/redis_password"
        writeFile(passwordFile, password + "\n", mode: 0o600)

        var events: [WaitEvent] = []
        var started = false
        let url = "redis://:\(password)@\(server.address)"
        let first = waitUntilReady(
            [try Target(parsing: url)], options: Self.options(),
            log: { event in
                events.append(event)
                if event.kind == .notReady && !started {
                    started = true
                    #expect(throws: Never.self) { try server.start() }
                }
            })
        #expect(first == .ready, "\(events.map(\.message))")
        #expect(
            events.first { $0.kind == .notReady }?.reason?.contains("Connection refused") == true)
        #expect(!events.contains { $0.message.contains(password) })

        let fromFile = probeOnce(
            [try Target(parsing: "redis://\(server.address)?password_file=\(passwordFile)")],
            options: Self.options(), log: { _ in })
        #expect(fromFile == .ready)

        var noPassword: [WaitEvent] = []
        let without = probeOnce(
            [try Target(parsing: "redis://\(server.address)")], options: Self.options(),
            log: { noPassword.append($0) })
        #expect(without == .ready)
        #expect(noPassword.last?.message.hasSuffix("(the server requires a password)") == true)

        var wrongEvents: [WaitEvent] = []
        let wrong = waitUntilReady(
            [try Target(parsing: "redis://:not-it@\(server.address)")], options: Self.options(),
            log: { wrongEvents.append($0) })
        guard case .unavailable(let failure) = wrong else {
            Issue.record("expected unavailable, got \(wrong)")
            return
        }
        #expect(
            failure.reason.hasPrefix(
                "\(server.address): Redis refused the password (WRONGPASS invalid username-password pair"
            ))
        #expect(!wrongEvents.contains { $0.message.contains("not-it") })

        // A large dataset: a million keys take seconds to load on this machine.
        try server.cli(["DEBUG", "POPULATE", "1000000", "key", "16"], timeout: 120)
        try server.cli(["SAVE"], timeout: 120)
        server.stop()
        try server.start()
        let restarted = now()
        var loading: [WaitEvent] = []
        let loaded = waitUntilReady(
            [try Target(parsing: url)], options: Self.options(), log: { loading.append($0) })
        let seconds = now() - restarted
        #expect(loaded == .ready, "\(loading.map(\.message))")
        let loadingReason = loading.first { $0.reason?.contains("-LOADING") == true }?.reason
        #expect(
            loadingReason
                == "\(server.address): Redis is loading its dataset: -LOADING Redis is loading the dataset in memory",
            "\(loading.map(\.message))")
        let log = readText(server.logPath) ?? ""
        #expect(log.contains("Done loading RDB, keys loaded: 1000000"))
        #expect(try server.cli(["DBSIZE"]) == "1000000\n", "ready only once every key is loaded")
        print("redis: restart on a 1M-key RDB ready after \(seconds) s (the probe saw -LOADING)")
    }

    /// A RabbitMQ node, awaited from before it starts: the port stays closed while the node boots,
    /// then `Connection.Start` names the broker; `?stable=2` takes a second answer.
    @Test(.enabled(if: ServerPrograms.haveRabbitMQ))
    func rabbitMQFromBootToConnectionStart() throws {
        let server = try RabbitMQServer()
        defer { server.remove() }
        var events: [WaitEvent] = []
        let started = now()
        try server.start()
        let outcome = waitUntilReady(
            [try Target(parsing: "amqp://guest:guest@\(server.address)/?stable=2")],
            options: Self.options(timeout: 90), log: { events.append($0) })
        let seconds = now() - started
        #expect(outcome == .ready, "\(events.map(\.message))\n\(readText(server.logPath) ?? "")")
        let ready = events.last { $0.kind == .ready }?.message ?? ""
        #expect(ready.contains(", 2 ready in a row (RabbitMQ 3."), "\(ready)")
        #expect(!events.contains { $0.message.contains("guest") })
        print("rabbitmq: node start to Connection.Start in \(seconds) s")
    }
}
