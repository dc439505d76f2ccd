import Testing

@testable import WaitFor

/// The protocol probes as byte fixtures: what they send, and the verdict for each kind of answer.
@Suite struct ConversationTests {
    // MARK: - PostgreSQL

    /// An ErrorResponse with SQLSTATE `code` and `message`.
    static func postgresError(_ code: String, _ message: String) -> [UInt8] {
        var body: [UInt8] = Array("SFATAL".utf8) + [0]
        body += Array("C\(code)".utf8) + [0] + Array("M\(message)".utf8) + [0] + [0]
        return [UInt8(ascii: "E")] + bigEndian32(UInt32(body.count + 4)) + body
    }

    @Test func postgresAsksForSSLThenSendsTheStartupMessage() {
        var conversation = PostgresConversation(peer: "p", user: "app", database: "board")
        #expect(conversation.opening() == [0, 0, 0, 8, 4, 210, 22, 47])
        let startup: [UInt8] =
            [0, 0, 0, 59, 0, 3, 0, 0] + Array("user".utf8) + [0] + Array("app".utf8) + [0]
            + Array("database".utf8) + [0] + Array("board".utf8) + [0]
            + Array("application_name".utf8) + [0] + Array("wait-for".utf8) + [0, 0]
        #expect(conversation.receive([UInt8(ascii: "N")]) == .send(startup))
        #expect(
            conversation.receive([UInt8(ascii: "R"), 0, 0, 0, 8, 0, 0, 0, 5])
                == .done(.plainlyReady, farewell: []))
    }

    @Test func postgresWithSSLReconnectsInPlainText() {
        var conversation = PostgresConversation(peer: "p", user: "postgres", database: "postgres")
        _ = conversation.opening()
        #expect(conversation.receive([UInt8(ascii: "S")]) == .reconnect)
        #expect(conversation.opening() == conversation.startupMessage)
        #expect(
            conversation.receive(Self.postgresError("28000", "no encryption"))
                == .done(
                    .ready(
                        detail:
                            "answered: no encryption (SQLSTATE 28000 invalid_authorization_specification)",
                        warning: false),
                    farewell: []))
    }

    @Test(arguments: [
        (
            "starting up keeps waiting", "57P03", "the database system is starting up",
            Verdict.notReady(
                "127.0.0.1:5432: PostgreSQL is not accepting connections yet: the database system is "
                    + "starting up (SQLSTATE 57P03 cannot_connect_now)")
        ),
        (
            "too many connections is up, by name", "53300", "sorry, too many clients already",
            .ready(
                detail:
                    "up but full: sorry, too many clients already (SQLSTATE 53300 too_many_connections)",
                warning: true)
        ),
        (
            "unknown database is up", "3D000", "database \"x\" does not exist",
            .ready(
                detail:
                    "answered: database \"x\" does not exist (SQLSTATE 3D000 invalid_catalog_name)",
                warning: false)
        ),
        (
            "an unnamed SQLSTATE is up", "XX000", "internal",
            .ready(detail: "answered: internal (SQLSTATE XX000)", warning: false)
        ),
    ])
    func postgresErrors(_ behaviour: String, _ code: String, _ message: String, _ verdict: Verdict)
    {
        var conversation = PostgresConversation(peer: "127.0.0.1:5432", user: "u", database: "d")
        _ = conversation.opening()
        _ = conversation.receive([UInt8(ascii: "N")])
        #expect(
            conversation.receive(Self.postgresError(code, message)) == .done(verdict, farewell: []),
            "\(behaviour)")
    }

    @Test func postgresDetailSaysWhy() {
        var conversation = PostgresConversation(peer: "p", user: "u", database: "d")
        _ = conversation.opening()
        _ = conversation.receive([UInt8(ascii: "N")])
        var body: [UInt8] = Array("SFATAL".utf8) + [0] + Array("C57P03".utf8) + [0]
        body += Array("Mthe database system is not accepting connections".utf8) + [0]
        body += Array("DHot standby mode is disabled.".utf8) + [0, 0]
        let answer = [UInt8(ascii: "E")] + bigEndian32(UInt32(body.count + 4)) + body
        #expect(
            conversation.receive(answer)
                == .done(
                    .notReady(
                        "p: PostgreSQL is not accepting connections yet: the database system is not "
                            + "accepting connections: Hot standby mode is disabled. (SQLSTATE 57P03 "
                            + "cannot_connect_now)"), farewell: []))
    }

    @Test func postgresErrorSplitAcrossReads() {
        var conversation = PostgresConversation(peer: "p", user: "u", database: "d")
        _ = conversation.opening()
        let answer =
            [UInt8(ascii: "N")]
            + Self.postgresError("57P03", "the database system is shutting down")
        #expect(conversation.receive(Array(answer[0..<3])) == .send(conversation.startupMessage))
        #expect(conversation.receive(Array(answer[3..<10])) == .needMore)
        #expect(
            conversation.receive(Array(answer[10...]))
                == .done(
                    .notReady(
                        "p: PostgreSQL is not accepting connections yet: the database system is shutting down "
                            + "(SQLSTATE 57P03 cannot_connect_now)"), farewell: []))
    }

    @Test func postgresRejectsOtherServers() {
        var conversation = PostgresConversation(peer: "p", user: "u", database: "d")
        _ = conversation.opening()
        #expect(
            conversation.receive(Array("HTTP/1.1 400".utf8))
                == .done(
                    .notReady("p: not a PostgreSQL server (it answered with byte 0x48)"),
                    farewell: []))
        #expect(
            conversation.endOfStream()
                == .notReady("p: the server closed the connection before answering"))
    }

    // MARK: - MySQL

    /// A protocol-10 greeting as MariaDB 10.11 sends it (trimmed after the capabilities).
    static let mariaDBGreeting: [UInt8] = {
        var payload: [UInt8] = [0x0a] + Array("5.5.5-10.11.19-MariaDB-0+deb12u1".utf8) + [0]
        payload += [9, 0, 0, 0] + Array("4mLry)[r".utf8) + [0, 0xfe, 0xf7]
        return [UInt8(payload.count), 0, 0, 0] + payload
    }()

    /// An ERR packet before the handshake: no SQLSTATE marker.
    static func mysqlError(_ code: Int, _ message: String) -> [UInt8] {
        let payload = [0xff, UInt8(code & 0xff), UInt8(code >> 8)] + Array(message.utf8)
        return [UInt8(payload.count), 0, 0, 0] + payload
    }

    @Test func mysqlGreetingIsReadyAndAnsweredWithAHandshake() {
        var conversation = MySQLConversation(peer: "p")
        #expect(conversation.opening() == [])
        #expect(conversation.receive(Array(Self.mariaDBGreeting.prefix(10))) == .needMore)
        let step = conversation.receive(Array(Self.mariaDBGreeting.dropFirst(10)))
        #expect(
            step
                == .done(
                    .ready(detail: "server version 10.11.19-MariaDB-0+deb12u1", warning: false),
                    farewell: MySQLConversation.handshakeResponse))
        let response = MySQLConversation.handshakeResponse
        #expect(Array(response[0..<4]) == [UInt8(response.count - 4), 0, 0, 1])
        // LONG_PASSWORD | PROTOCOL_41 | SECURE_CONNECTION
        #expect(Array(response[4..<8]) == [0x01, 0x82, 0, 0])
        #expect(Array(response[36...]) == Array("wait-for".utf8) + [0, 0])
    }

    @Test(arguments: [
        (
            "too many connections keeps waiting", 1040, "Too many connections",
            Verdict.notReady("db: MySQL error 1040: Too many connections")
        ),
        (
            "a blocked host is unavailable, with the fix", 1129,
            "Host '10.0.0.5' is blocked because of many connection errors; unblock with 'mariadb-admin flush-hosts'",
            .unavailable(
                "db: MySQL error 1129: Host '10.0.0.5' is blocked because of many connection errors; "
                    + "unblock with 'mariadb-admin flush-hosts' (waiting cannot help: the block lasts until "
                    + "the host cache is flushed; on the server run FLUSH HOSTS, or `mysqladmin flush-hosts`, "
                    + "or on MySQL 8.0.23 and later TRUNCATE TABLE performance_schema.host_cache; then "
                    + "raise max_connect_errors or find what keeps aborting connections)")
        ),
        (
            "host not allowed is a running server", 1130,
            "Host 'x' is not allowed to connect to this MariaDB server",
            .ready(
                detail:
                    "the server answered: MySQL error 1130: Host 'x' is not allowed to connect to this MariaDB server",
                warning: true)
        ),
    ])
    func mysqlErrors(_ behaviour: String, _ code: Int, _ message: String, _ verdict: Verdict) {
        var conversation = MySQLConversation(peer: "db")
        _ = conversation.opening()
        #expect(
            conversation.receive(Self.mysqlError(code, message)) == .done(verdict, farewell: []),
            "\(behaviour)")
    }

    @Test func mysqlRejectsOtherServers() {
        var conversation = MySQLConversation(peer: "p")
        _ = conversation.opening()
        #expect(
            conversation.receive(Array("SSH-2.0-OpenSSH_9.2\r\n".utf8))
                == .done(.notReady("p: not a MySQL server (no MySQL packet header)"), farewell: []))
        var other = MySQLConversation(peer: "p")
        _ = other.opening()
        #expect(
            other.receive([3, 0, 0, 0, 0x32, 0x2e, 0x30])
                == .done(
                    .notReady("p: not a MySQL server (greeting starts with 0x32)"), farewell: []))
        #expect(
            conversation.endOfStream()
                == .notReady("p: the server closed the connection before its greeting"))
    }

    // MARK: - HTTP

    @Test func httpSendsAGetWithHostAndClose() {
        var conversation = HTTPConversation(
            peer: "p", hostHeader: "web:8080", path: "/health?x=1", statuses: 200...399)
        #expect(
            String(decoding: conversation.opening(), as: UTF8.self)
                == "GET /health?x=1 HTTP/1.1\r\nHost: web:8080\r\nUser-Agent: wait-for\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        )
    }

    @Test(arguments: [
        (
            "ok", "HTTP/1.1 200 OK\r\n", 200...399,
            Verdict.ready(detail: "HTTP 200 OK", warning: false)
        ),
        (
            "a redirect is an answer", "HTTP/1.0 302 Found\n", 200...399,
            .ready(detail: "HTTP 302 Found", warning: false)
        ),
        (
            "no reason phrase", "HTTP/1.1 204\r\n", 204...204,
            .ready(detail: "HTTP 204", warning: false)
        ),
        (
            "unavailable keeps waiting", "HTTP/1.1 503 Service Unavailable\r\n", 200...399,
            .notReady("p: HTTP 503 Service Unavailable (ready means 200-399)")
        ),
        (
            "outside a narrow range", "HTTP/1.1 302 Found\r\n", 200...299,
            .notReady("p: HTTP 302 Found (ready means 200-299)")
        ),
        (
            "not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", 200...399,
            .notReady("p: not an HTTP server (it answered 'SSH-2.0-OpenSSH_9.2')")
        ),
    ])
    func httpStatuses(
        _ behaviour: String, _ answer: String, _ statuses: ClosedRange<Int>, _ verdict: Verdict
    ) {
        var conversation = HTTPConversation(
            peer: "p", hostHeader: "h", path: "/", statuses: statuses)
        _ = conversation.opening()
        #expect(
            conversation.receive(Array(answer.utf8)) == .done(verdict, farewell: []), "\(behaviour)"
        )
    }

    @Test func httpStatusLineSplitAcrossReads() {
        var conversation = HTTPConversation(
            peer: "p", hostHeader: "h", path: "/", statuses: 200...399)
        _ = conversation.opening()
        #expect(conversation.receive(Array("HTTP/1.1 2".utf8)) == .needMore)
        #expect(
            conversation.receive(Array("00 OK\r\nServer: x\r\n".utf8))
                == .done(.ready(detail: "HTTP 200 OK", warning: false), farewell: []))
    }
}
