/// The MySQL/MariaDB probe: the server speaks first; its greeting decides.
///
/// A greeting whose first payload byte is 0x0a (protocol 10) means ready, and its server version is
/// logged. An error packet (0xff) instead carries the reason: 1040 "Too many connections" means keep
/// waiting; 1129 "Host is blocked because of many connection errors" means waiting cannot help (the
/// block lasts until someone runs FLUSH HOSTS): exit 69 with the fix in the message. Any other error
/// comes from a running server (e.g. 1130, host not allowed): ready, with a warning.
///
/// Why the probe answers the greeting: a client that closes before sending its handshake response
/// counts as a *handshake error* against its host, and `max_connect_errors` of those in a row (100 by
/// default) get the host blocked — error 1129 for the application too (the classic health-check
/// trap). So after a greeting the probe sends a HandshakeResponse41 for the user `wait-for` with an
/// empty password and closes: an access-denied login is an authentication error, which does not
/// count. (Measured against MariaDB 10.11 with max_connect_errors=2 from a non-loopback address:
/// closing after the greeting blocked the host on the third probe; answering never did.) Real user
/// names from a `DATABASE_URL` are never tried, so accounts with FAILED_LOGIN_ATTEMPTS cannot lock.
struct MySQLConversation: Conversation {
    /// Where it runs, for messages: `127.0.0.1:3306`.
    let peer: String
    private var buffer: [UInt8] = []

    /// The user name of the farewell handshake (an account that should not exist).
    static let probeUser = "wait-for"

    /// The largest greeting accepted (real ones are about 100 bytes).
    private static let maximumPacket = 64 * 1024

    /// A conversation with the server at `peer`.
    init(peer: String) { self.peer = peer }

    mutating func opening() -> [UInt8] {
        buffer = []
        return []
    }

    mutating func receive(_ bytes: [UInt8]) -> ConversationStep {
        buffer += bytes
        guard buffer.count >= 4 else { return .needMore }
        let length = Int(buffer[0]) | Int(buffer[1]) << 8 | Int(buffer[2]) << 16
        guard length >= 1, length <= Self.maximumPacket else {
            return .done(
                .notReady("\(peer): not a MySQL server (no MySQL packet header)"), farewell: []
            )
        }
        guard buffer.count >= 4 + length else { return .needMore }
        let payload = Array(buffer[4..<(4 + length)])
        switch payload[0] {
        case 0x0a:
            let versionEnd = payload[1...].firstIndex(of: 0) ?? payload.endIndex
            var version = String(decoding: payload[1..<versionEnd], as: UTF8.self)
            // MariaDB prefixes "5.5.5-" for old replication clients.
            if version.hasPrefix("5.5.5-") { version.removeFirst(6) }
            return .done(
                .ready(detail: "server version \(version)", warning: false),
                farewell: Self.handshakeResponse)
        case 0xff:
            return .done(verdict(forError: payload), farewell: [])
        default:
            return .done(
                .notReady(
                    "\(peer): not a MySQL server (greeting starts with \(hexByte(payload[0])))"),
                farewell: [])
        }
    }

    func endOfStream() -> Verdict {
        .notReady("\(peer): the server closed the connection before its greeting")
    }

    /// The verdict for an ERR packet: 0xff, a 2-byte code, then (after the handshake) `#` and a
    /// 5-byte SQLSTATE, then the message.
    private func verdict(forError payload: [UInt8]) -> Verdict {
        guard payload.count >= 3 else {
            return .notReady("\(peer): the server sent a truncated error packet")
        }
        let code = Int(payload[1]) | Int(payload[2]) << 8
        var messageStart = 3
        if payload.count >= 9, payload[3] == UInt8(ascii: "#") { messageStart = 9 }
        let message = String(decoding: payload[messageStart...], as: UTF8.self)
        let described = "\(peer): MySQL error \(code): \(message)"
        switch code {
        case 1040:
            return .notReady(described)
        case 1129:
            return .unavailable(
                described + " (waiting cannot help: the block lasts until the host cache is "
                    + "flushed; on the server run FLUSH HOSTS, or `mysqladmin flush-hosts`, or on "
                    + "MySQL 8.0.23 and later TRUNCATE TABLE performance_schema.host_cache; then "
                    + "raise max_connect_errors or find what keeps aborting connections)")
        default:
            return .ready(
                detail: "the server answered: MySQL error \(code): \(message)", warning: true)
        }
    }

    /// HandshakeResponse41 (sequence 1): capabilities LONG_PASSWORD | PROTOCOL_41 |
    /// SECURE_CONNECTION, 16 MiB max packet, utf8 (33), 23 reserved bytes, the user, an empty auth
    /// response.
    static let handshakeResponse: [UInt8] = {
        let capabilities: UInt32 = 0x0000_0001 | 0x0000_0200 | 0x0000_8000
        var payload = littleEndian32(capabilities) + littleEndian32(16 * 1024 * 1024) + [33]
        payload += [UInt8](repeating: 0, count: 23)
        payload += Array(probeUser.utf8) + [0]
        payload.append(0)
        let length = UInt32(payload.count)
        return [UInt8(length & 0xff), UInt8(length >> 8 & 0xff), UInt8(length >> 16 & 0xff), 1]
            + payload
    }()
}

/// `value` as 4 bytes, least significant first.
private func littleEndian32(_ value: UInt32) -> [UInt8] {
    [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)]
}
