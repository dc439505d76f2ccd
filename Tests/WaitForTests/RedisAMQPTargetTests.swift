import TestSupport
import Testing
import WaitFor

#if canImport(Glibc)
import Glibc
#endif

/// `redis://`, `amqp://` and `?stable=N`: parsing, and the wait loop against stub servers.
@Suite struct RedisAMQPTargetTests {
    @Test(arguments: [
        (
            "redis defaults", "redis://cache",
            Target.Check.redis(host: "cache", port: 6379, auth: nil)
        ),
        (
            "redis password only", "redis://:s3cret@cache:6380/0",
            .redis(
                host: "cache", port: 6380, auth: RedisAuth(user: nil, password: .inline("s3cret")))
        ),
        (
            "redis ACL user, escapes decoded", "redis://app:p%40ss%3Aw@[::1]:6379",
            .redis(
                host: "::1", port: 6379, auth: RedisAuth(user: "app", password: .inline("p@ss:w")))
        ),
        (
            "redis password file", "redis://cache?password_file=/run/secrets/redis",
            .redis(
                host: "cache", port: 6379,
                auth: RedisAuth(user: nil, password: .file("/run/secrets/redis")))
        ),
        ("amqp defaults", "amqp://broker", .amqp(host: "broker", port: 5672)),
        (
            "amqp URL with vhost", "amqp://guest:guest@broker:5673/prod",
            .amqp(host: "broker", port: 5673)
        ),
    ])
    func parses(_ behaviour: String, _ text: String, _ check: Target.Check) throws {
        let target = try Target(parsing: text)
        #expect(target.check == check, "\(behaviour)")
        #expect(!target.description.contains("s3cret") && !target.description.contains("guest"))
        #expect(target.stable == 1)
    }

    @Test(arguments: [
        ("redis", "redis://:pw@cache?stable=3", 3),
        ("http keeps stable out of its path", "http://web/health?stable=2&x=1", 2),
        ("tcp", "db:5432?stable=1000", 1000),
    ])
    func takesStable(_ behaviour: String, _ text: String, _ count: Int) throws {
        let target = try Target(parsing: text)
        #expect(target.stable == count, "\(behaviour)")
        if case .http(_, _, let path, _) = target.check { #expect(path == "/health?x=1") }
    }

    @Test(arguments: [
        (
            "stable zero", "db:1?stable=0",
            "invalid target 'db:1?stable=0': stable: '0' is not a count from 1 to 1000"
        ),
        (
            "stable not a number", "db:1?stable=many",
            "invalid target 'db:1?stable=many': stable: 'many' is not a count from 1 to 1000"
        ),
        (
            "password_file only for redis", "amqp://b?password_file=/x",
            "invalid target 'amqp://b?password_file=/x': unknown parameter 'password_file' (known here: timeout, stable)"
        ),
        (
            "relative password file", "redis://c?password_file=pw",
            "invalid target 'redis://c?password_file=pw': password_file: 'pw' is not an absolute path"
        ),
        (
            "password twice", "redis://:pw@c?password_file=/x",
            "invalid target 'redis://:***@c?password_file=/x': give the password in the URL or as password_file, not both"
        ),
        (
            "redis user without password", "redis://app@c",
            "invalid target 'redis://app@c': a redis:// user needs a password: write redis://:password@host or redis://user:password@host"
        ),
        (
            "bad escape, password hidden", "redis://:p%zz@c",
            "invalid target 'redis://:***@c': the password has a % that is not followed by two hex digits"
        ),
        (
            "TLS", "rediss://c:6380",
            "invalid target 'rediss://c:6380': TLS is not supported: use redis://, or tcp://host:port"
        ),
        (
            "amqps", "amqps://b",
            "invalid target 'amqps://b': TLS is not supported: use amqp://, or tcp://host:port"
        ),
        (
            "redis database not a number", "redis://c/zero",
            "invalid target 'redis://c/zero': the database 'zero' is not a number"
        ),
    ])
    func rejects(_ behaviour: String, _ text: String, _ message: String) {
        #expect(throws: InvalidTarget.self, "\(behaviour)") { try Target(parsing: text) }
        do {
            _ = try Target(parsing: text)
        } catch {
            #expect(error.description == message, "\(behaviour)")
        }
    }

    // MARK: - The wait loop

    static func fast(timeout: Double = 5) -> WaitOptions {
        WaitOptions(timeout: UInt64(timeout * 1e9), connectTimeout: 1_000_000_000)
    }

    @Test func stableWaitsForThatManyReadyAnswersInARow() throws {
        let server = try StubServer(httpStatuses: [200, 503, 200, 200, 200])
        defer { server.stop() }
        var events: [WaitEvent] = []
        let target = try Target(parsing: "http://\(server.address)/?stable=3")
        let outcome = waitUntilReady([target], options: Self.fast(), log: { events.append($0) })
        #expect(outcome == .ready)
        #expect(server.connectionsServed == 5)
        let messages = events.map(\.message)
        let waiting = "waiting for 3 ready answers in a row"
        #expect(
            messages.filter { $0.contains(waiting) }.count == 2,
            "once per run of ready answers: \(messages)")
        #expect(messages.last?.hasSuffix(", 5 attempts, 3 ready in a row (HTTP 200 OK)") == true)
    }

    @Test func onceWithStableProbesThatManyTimes() throws {
        let server = try StubServer(httpStatuses: [200, 200, 503])
        defer { server.stop() }
        let two = probeOnce(
            [try Target(parsing: "http://\(server.address)/?stable=2")], options: Self.fast(),
            log: { _ in })
        #expect(two == .ready)
        #expect(server.connectionsServed == 2)
        var events: [WaitEvent] = []
        let broken = probeOnce(
            [try Target(parsing: "http://\(server.address)/?stable=3")], options: Self.fast(),
            log: { events.append($0) })
        guard case .notReady(let failures) = broken else {
            Issue.record("expected not ready, got \(broken)")
            return
        }
        #expect(failures.map(\.attempts) == [1], "the 503 ends the round at once")
        #expect(server.connectionsServed == 3)
    }

    @Test func redisLoadingThenPongOverTheWire() throws {
        let server = try StubServer(
            turn: .first,
            replies: [
                Array("-LOADING Redis is loading the dataset in memory\r\n".utf8),
                Array("+PONG\r\n".utf8),
            ])
        defer { server.stop() }
        var events: [WaitEvent] = []
        let outcome = waitUntilReady(
            [try Target(parsing: "redis://\(server.address)")], options: Self.fast(),
            log: { events.append($0) })
        #expect(outcome == .ready)
        #expect(events.map(\.kind) == [.waiting, .notReady, .ready])
        #expect(
            events[1].reason?.hasSuffix(
                "Redis is loading its dataset: -LOADING Redis is loading the dataset in memory")
                == true)
    }

    @Test func redisPasswordFileIsReadAtEveryAttemptAndNeverShown() throws {
        let directory = Paths.temporaryDirectory("redis-pw")
        defer { Paths.removeTree(directory) }
        let server = try StubServer(turn: .first, replies: [Array("+OK\r\n+PONG\r\n".utf8)])
        defer { server.stop() }
        let path = directory + "/redis_password"
        var events: [WaitEvent] = []
        var wrote = false
        let outcome = waitUntilReady(
            [try Target(parsing: "redis://\(server.address)?password_file=\(path)")],
            options: Self.fast(),
            log: { event in
                events.append(event)
                if event.kind == .notReady && !wrote {
                    wrote = true
                    writeFile(path, "hunter2\n")
                }
            })
        #expect(outcome == .ready)
        #expect(events[1].reason == "open(\(path)): No such file or directory (errno 2)")
        #expect(!events.contains { $0.message.contains("hunter2") })
    }
}
