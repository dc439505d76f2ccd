/// The PostgreSQL probe: SSLRequest, then a StartupMessage; the server's first answer decides.
///
/// Any answer means the postmaster accepts connections — an authentication request (`R`), a protocol
/// version negotiation (`v`) or an error — except SQLSTATE 57P03 `cannot_connect_now`, which the server
/// sends while it starts up, shuts down, or runs as a standby with `hot_standby = off`: keep waiting.
/// 53300 `too_many_connections` means up but full, reported by name (as a warning).
///
/// SSL: the server answers the SSLRequest with `N` (no SSL: the StartupMessage follows on the same
/// connection) or `S`. After `S` it expects a TLS handshake, which this toolkit does not speak (no
/// TLS library in a static binary), and it would send the 57P03 error only inside TLS; so the probe
/// closes that connection and sends the StartupMessage on a new one in plain text, which every
/// server reads (at worst it answers "no pg_hba.conf entry ... no encryption", which still means up).
/// The probe never sends a password: it closes after the first answer.
struct PostgresConversation: Conversation {
    /// Where it runs, for messages: `127.0.0.1:5432`.
    let peer: String
    let user: String
    let database: String
    /// Set after the server answered `S`: the next connection skips the SSLRequest.
    private var plainText = false
    private var awaitingSSLAnswer = false
    private var buffer: [UInt8] = []

    /// The largest error message accepted (PostgreSQL's are far shorter).
    private static let maximumMessage = 64 * 1024

    /// A conversation for `user` and `database` with the server at `peer`.
    init(peer: String, user: String, database: String) {
        self.peer = peer
        self.user = user
        self.database = database
    }

    /// `SSLRequest`: length 8, code 80877103 (1234 << 16 | 5679).
    static let sslRequest: [UInt8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]

    /// `StartupMessage` for protocol 3.0 with `user`, `database` and `application_name`.
    var startupMessage: [UInt8] {
        var body: [UInt8] = [0, 3, 0, 0]
        for (key, value) in [
            ("user", user), ("database", database), ("application_name", "wait-for"),
        ] {
            body += Array(key.utf8) + [0] + Array(value.utf8) + [0]
        }
        body.append(0)
        return bigEndian32(UInt32(body.count + 4)) + body
    }

    mutating func opening() -> [UInt8] {
        buffer = []
        awaitingSSLAnswer = !plainText
        return plainText ? startupMessage : Self.sslRequest
    }

    mutating func receive(_ bytes: [UInt8]) -> ConversationStep {
        buffer += bytes
        guard let first = buffer.first else { return .needMore }
        if awaitingSSLAnswer {
            switch first {
            case UInt8(ascii: "N"):
                awaitingSSLAnswer = false
                buffer.removeFirst()
                return .send(startupMessage)
            case UInt8(ascii: "S"):
                plainText = true
                return .reconnect
            case UInt8(ascii: "E"):
                // Servers before 7.0 (and some proxies) answer the SSLRequest with an error.
                awaitingSSLAnswer = false
            default:
                return .done(notPostgres(first), farewell: [])
            }
        }
        switch first {
        case UInt8(ascii: "R"), UInt8(ascii: "v"):
            return .done(.plainlyReady, farewell: [])
        case UInt8(ascii: "E"):
            guard buffer.count >= 5 else { return .needMore }
            let length =
                Int(buffer[1]) << 24 | Int(buffer[2]) << 16 | Int(buffer[3]) << 8
                | Int(buffer[4])
            guard length >= 4, length <= Self.maximumMessage else {
                return .done(notPostgres(first), farewell: [])
            }
            guard buffer.count >= 1 + length else { return .needMore }
            return .done(verdict(forError: Array(buffer[5..<(1 + length)])), farewell: [])
        default:
            return .done(notPostgres(first), farewell: [])
        }
    }

    func endOfStream() -> Verdict {
        .notReady("\(peer): the server closed the connection before answering")
    }

    /// The verdict for an ErrorResponse body: fields of a type byte and a NUL-terminated string.
    private func verdict(forError body: [UInt8]) -> Verdict {
        var code = ""
        var message = ""
        var detail = ""
        var index = 0
        while index < body.count, body[index] != 0 {
            let type = body[index]
            let start = index + 1
            var end = start
            while end < body.count, body[end] != 0 { end += 1 }
            let value = String(decoding: body[min(start, end)..<end], as: UTF8.self)
            if type == UInt8(ascii: "C") { code = value }
            if type == UInt8(ascii: "M") { message = value }
            if type == UInt8(ascii: "D") { detail = value }
            index = end + 1
        }
        let name = Self.conditionName(code).map { " " + $0 } ?? ""
        // The detail says why (a standby: "Hot standby mode is disabled.").
        let because = detail.isEmpty ? "" : ": " + detail
        let described = "\(message)\(because) (SQLSTATE \(code)\(name))"
        switch code {
        case "57P03":
            return .notReady("\(peer): PostgreSQL is not accepting connections yet: \(described)")
        case "53300":
            return .ready(detail: "up but full: \(described)", warning: true)
        default:
            return .ready(detail: "answered: \(described)", warning: false)
        }
    }

    /// The condition name of the SQLSTATEs a probe meets (PostgreSQL's errcodes.txt).
    static func conditionName(_ code: String) -> String? {
        switch code {
        case "57P03": return "cannot_connect_now"
        case "53300": return "too_many_connections"
        case "57P01": return "admin_shutdown"
        case "57P02": return "crash_shutdown"
        case "28000": return "invalid_authorization_specification"
        case "28P01": return "invalid_password"
        case "3D000": return "invalid_catalog_name"
        case "08P01": return "protocol_violation"
        case "0A000": return "feature_not_supported"
        case "53200": return "out_of_memory"
        default: return nil
        }
    }

    private func notPostgres(_ byte: UInt8) -> Verdict {
        .notReady("\(peer): not a PostgreSQL server (it answered with byte \(hexByte(byte)))")
    }
}

/// `value` as 4 bytes, most significant first (network order).
func bigEndian32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
}

/// `0x4e`.
func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xf)])
}
