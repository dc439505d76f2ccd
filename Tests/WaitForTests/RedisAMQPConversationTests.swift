import Testing

@testable import WaitFor

/// The Redis and AMQP probes as byte fixtures: what they send, and the verdict for each answer.
@Suite struct RedisAMQPConversationTests {
    // MARK: - Redis

    static let ping = Array("*1\r\n$4\r\nPING\r\n".utf8)

    @Test func redisSendsPingInRESP() {
        var conversation = RedisConversation(peer: "p", credentials: nil)
        #expect(conversation.opening() == Self.ping)
        #expect(conversation.receive(Array("+PO".utf8)) == .needMore)
        #expect(conversation.receive(Array("NG\r\n".utf8)) == .done(.plainlyReady, farewell: []))
    }

    @Test func redisAuthenticatesFirstWithPasswordAndWithUser() {
        var plain = RedisConversation(peer: "p", credentials: (nil, "s3cret"))
        #expect(
            plain.opening() == Array("*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n".utf8) + Self.ping)
        #expect(plain.receive(Array("+OK\r\n+PONG\r\n".utf8)) == .done(.plainlyReady, farewell: []))
        var acl = RedisConversation(peer: "p", credentials: ("app", "pw"))
        #expect(
            acl.opening()
                == Array("*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$2\r\npw\r\n".utf8) + Self.ping)
        #expect(acl.receive(Array("+OK\r\n".utf8)) == .needMore)
        #expect(acl.receive(Array("+PONG\r\n".utf8)) == .done(.plainlyReady, farewell: []))
    }

    @Test(arguments: [
        (
            "NOAUTH without a password is up", nil as String?,
            "-NOAUTH Authentication required.\r\n",
            Verdict.ready(detail: "the server requires a password", warning: false)
        ),
        (
            "LOADING keeps waiting", nil, "-LOADING Redis is loading the dataset in memory\r\n",
            .notReady(
                "127.0.0.1:6379: Redis is loading its dataset: -LOADING Redis is loading the dataset in memory"
            )
        ),
        (
            "LOADING answering AUTH keeps waiting", "pw",
            "-LOADING Redis is loading the dataset in memory\r\n",
            .notReady(
                "127.0.0.1:6379: Redis is loading its dataset: -LOADING Redis is loading the dataset in memory"
            )
        ),
        (
            "BUSY keeps waiting", nil,
            "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n",
            .notReady(
                "127.0.0.1:6379: Redis is busy running a script: -BUSY Redis is busy running a script. "
                    + "You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
        ),
        (
            "MASTERDOWN keeps waiting", nil,
            "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n",
            .notReady(
                "127.0.0.1:6379: the Redis replica has no link to its master: -MASTERDOWN Link with "
                    + "MASTER is down and replica-serve-stale-data is set to 'no'.")
        ),
        (
            "WRONGPASS cannot be fixed by waiting", "wrong",
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n-NOAUTH Authentication required.\r\n",
            .unavailable(
                "127.0.0.1:6379: Redis refused the password (WRONGPASS invalid username-password "
                    + "pair or user is disabled.): waiting cannot help; check the password (and user) "
                    + "given to the probe against the server's requirepass or ACL")
        ),
        (
            "Redis 5's invalid password too", "wrong", "-ERR invalid password\r\n",
            .unavailable(
                "127.0.0.1:6379: Redis refused the password (ERR invalid password): waiting cannot "
                    + "help; check the password (and user) given to the probe against the server's "
                    + "requirepass or ACL")
        ),
        (
            "a password for a server without one is up, as a warning", "pw",
            "-ERR AUTH <password> called without any password configured for the default user. "
                + "Are you sure your configuration is correct?\r\n+PONG\r\n",
            .ready(detail: "the server has no password, but one was given", warning: true)
        ),
        (
            "protected mode is unavailable", nil,
            "-DENIED Redis is running in protected mode\r\n",
            .unavailable(
                "127.0.0.1:6379: Redis refused the connection (DENIED Redis is running in protected "
                    + "mode): waiting cannot help; set a password (requirepass) or bind it to the "
                    + "interface the clients use")
        ),
        (
            "another error is up, as a warning", nil, "-MISCONF something\r\n",
            .ready(detail: "the server answered: -MISCONF something", warning: true)
        ),
        (
            "the password is never quoted back", "hunter2",
            "-ERR unknown command 'AUTH', with args beginning with: 'hunter2' \r\n",
            .ready(
                detail:
                    "the server answered: -ERR unknown command 'AUTH', with args beginning with: '***' ",
                warning: true)
        ),
        (
            "HTTP is not Redis", nil, "HTTP/1.1 400 Bad Request\r\n",
            .notReady("127.0.0.1:6379: not a Redis server (no RESP reply)")
        ),
        (
            "a bulk reply is not PONG", nil, "$4\r\nPONG\r\n",
            .notReady("127.0.0.1:6379: not a Redis server (unexpected reply 0x24)")
        ),
    ])
    func redisVerdicts(
        _ behaviour: String, _ password: String?, _ reply: String, _ verdict: Verdict
    ) {
        var conversation = RedisConversation(
            peer: "127.0.0.1:6379", credentials: password.map { (nil, $0) })
        _ = conversation.opening()
        #expect(
            conversation.receive(Array(reply.utf8)) == .done(verdict, farewell: []), "\(behaviour)")
    }

    @Test func redisClosingEarlyIsNotReady() {
        let conversation = RedisConversation(peer: "p", credentials: nil)
        #expect(
            conversation.endOfStream()
                == .notReady("p: the server closed the connection before answering PING"))
    }

    // MARK: - AMQP

    /// A `Connection.Start` frame with these long-string server properties.
    static func connectionStart(_ properties: [(String, String)]) -> [UInt8] {
        var table: [UInt8] = []
        // A nested table first, as RabbitMQ sends `capabilities`: the reader must skip it.
        table += [12] + Array("capabilities".utf8) + [UInt8(ascii: "F")] + bigEndian32(6)
        table += [1, UInt8(ascii: "x"), UInt8(ascii: "t"), 1] + [0, 0]
        for (name, value) in properties {
            table += [UInt8(name.utf8.count)] + Array(name.utf8) + [UInt8(ascii: "S")]
            table += bigEndian32(UInt32(value.utf8.count)) + Array(value.utf8)
        }
        var payload: [UInt8] = [0, 10, 0, 10, 0, 9] + bigEndian32(UInt32(table.count)) + table
        payload += bigEndian32(5) + Array("PLAIN".utf8) + bigEndian32(5) + Array("en_US".utf8)
        return [1, 0, 0] + bigEndian32(UInt32(payload.count)) + payload + [0xCE]
    }

    @Test func amqpSendsTheProtocolHeaderAndConnectionStartIsReady() {
        var conversation = AMQPConversation(peer: "p")
        #expect(conversation.opening() == [65, 77, 81, 80, 0, 0, 9, 1])
        let frame = Self.connectionStart([
            ("cluster_name", "rabbit@host"), ("product", "RabbitMQ"), ("version", "3.10.8"),
        ])
        #expect(conversation.receive(Array(frame.prefix(20))) == .needMore)
        #expect(
            conversation.receive(Array(frame.dropFirst(20)))
                == .done(.ready(detail: "RabbitMQ 3.10.8", warning: false), farewell: []))
    }

    @Test(arguments: [
        (
            "an AMQP 1.0 broker answers with its header", [65, 77, 81, 80, 0, 1, 0, 0] as [UInt8],
            Verdict.notReady(
                "p: the server speaks AMQP 1-0-0, not 0-9-1 (it answered with its own protocol header)"
            )
        ),
        (
            "another method first", [1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 50, 0xCE],
            .notReady("p: the first AMQP frame is method 10.50, not Connection.Start (10.10)")
        ),
        (
            "HTTP is not AMQP", Array("HTTP/1.1 400".utf8),
            .notReady("p: not an AMQP server (no AMQP frame)")
        ),
        (
            "a frame without its end byte", [1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 10, 0],
            .notReady("p: not an AMQP server (no AMQP frame)")
        ),
    ])
    func amqpVerdicts(_ behaviour: String, _ reply: [UInt8], _ verdict: Verdict) {
        var conversation = AMQPConversation(peer: "p")
        _ = conversation.opening()
        #expect(conversation.receive(reply) == .done(verdict, farewell: []), "\(behaviour)")
    }

    @Test func amqpConnectionStartWithoutProductIsReadyWithoutDetail() {
        var conversation = AMQPConversation(peer: "p")
        _ = conversation.opening()
        #expect(
            conversation.receive(Self.connectionStart([]))
                == .done(.plainlyReady, farewell: []))
    }
}
