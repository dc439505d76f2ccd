import Platform

/// The Redis probe: `PING` in RESP, after `AUTH` when the target has credentials; the replies
/// decide.
///
/// `+PONG` is ready. Without credentials, `-NOAUTH` (the server requires a password) is ready too:
/// the server answers, and authenticating is the application's business. `-LOADING` (the server is
/// loading its dataset into memory, which takes seconds to minutes for a large RDB or AOF file) and
/// `-BUSY` (a script or function runs past `busy-reply-threshold`) mean keep waiting, as does
/// `-MASTERDOWN` (a replica that serves no stale data while its link to the master is down).
///
/// A refused password (`-WRONGPASS`, Redis 6 and later; `-ERR invalid password` before) means the
/// server is up but the application's credentials are wrong: waiting cannot help, so the wait ends
/// with exit 69 and says so (like MySQL's 1129). `AUTH` against a server without a password
/// (`-ERR AUTH <password> called without any password configured`) is ready, as a warning.
/// `-DENIED` (protected mode refusing a non-loopback client) is unavailable with the fix. Any other
/// error comes from a running server: ready, as a warning. The probe closes after the replies
/// (no `QUIT`: Redis logs nothing either way).
struct RedisConversation: Conversation {
    /// Where it runs, for messages: `127.0.0.1:6379`.
    let peer: String
    /// `AUTH`'s user (nil: the default user) and password; nil sends no `AUTH`.
    let credentials: (user: String?, password: String)?
    private var buffer: [UInt8] = []
    /// Replies still expected before the verdict (`AUTH`'s, then `PING`'s).
    private var authPending = false
    /// The detail a warning-level ready carries (AUTH sent to a server without a password).
    private var authWarning: String?

    /// The longest reply line accepted (real ones are under 200 bytes).
    private static let maximumLine = 64 * 1024

    /// A conversation with the server at `peer`, authenticating with `credentials` when given.
    init(peer: String, credentials: (user: String?, password: String)?) {
        self.peer = peer
        self.credentials = credentials
    }

    /// `command` as a RESP array of bulk strings.
    static func command(_ words: [String]) -> [UInt8] {
        var bytes = Array("*\(words.count)\r\n".utf8)
        for word in words {
            bytes += Array("$\(word.utf8.count)\r\n".utf8) + Array(word.utf8) + [13, 10]
        }
        return bytes
    }

    mutating func opening() -> [UInt8] {
        buffer = []
        authWarning = nil
        guard let credentials else {
            authPending = false
            return Self.command(["PING"])
        }
        authPending = true
        let auth = ["AUTH"] + (credentials.user.map { [$0] } ?? []) + [credentials.password]
        return Self.command(auth) + Self.command(["PING"])
    }

    mutating func receive(_ bytes: [UInt8]) -> ConversationStep {
        buffer += bytes
        while true {
            guard looksLikeRESP else {
                return .done(.notReady("\(peer): not a Redis server (no RESP reply)"), farewell: [])
            }
            guard let end = lineEnd() else {
                if buffer.count > Self.maximumLine {
                    return .done(
                        .notReady("\(peer): not a Redis server (no RESP reply)"), farewell: [])
                }
                return .needMore
            }
            var line = String(decoding: buffer[1..<end], as: UTF8.self)
            // An error about the AUTH command itself may quote its arguments.
            if let password = credentials?.password, !password.isEmpty {
                line = line.replacingText(password, with: "***")
            }
            let kind = buffer[0]
            buffer.removeFirst(end + 2)
            guard kind == UInt8(ascii: "+") || kind == UInt8(ascii: "-") else {
                return .done(
                    .notReady("\(peer): not a Redis server (unexpected reply \(hexByte(kind)))"),
                    farewell: [])
            }
            if authPending {
                authPending = false
                if let verdict = authVerdict(isError: kind == UInt8(ascii: "-"), line) {
                    return .done(verdict, farewell: [])
                }
                continue
            }
            return .done(pingVerdict(isError: kind == UInt8(ascii: "-"), line), farewell: [])
        }
    }

    func endOfStream() -> Verdict {
        .notReady("\(peer): the server closed the connection before answering PING")
    }

    /// Where the first reply line's CR LF starts.
    private func lineEnd() -> Int? {
        guard buffer.count >= 2 else { return nil }
        for index in 0..<(buffer.count - 1) where buffer[index] == 13 && buffer[index + 1] == 10 {
            return index
        }
        return nil
    }

    /// Whether the buffer starts like a RESP reply.
    private var looksLikeRESP: Bool {
        guard let first = buffer.first else { return true }
        return "+-:$*_%>~#,(!=|".utf8.contains(first)
    }

    /// The verdict `AUTH`'s reply decides on its own, or nil to read `PING`'s.
    private mutating func authVerdict(isError: Bool, _ line: String) -> Verdict? {
        guard isError else { return nil }
        let code = line.prefix { $0 != " " }
        if code == "WRONGPASS" || line.hasPrefix("ERR invalid password")
            || line.hasPrefix("ERR invalid username-password pair")
        {
            return .unavailable(
                "\(peer): Redis refused the password (\(line)): waiting cannot help; check the "
                    + "password (and user) given to the probe against the server's requirepass "
                    + "or ACL")
        }
        if line.hasPrefix("ERR AUTH") && line.containsText("without any password configured") {
            authWarning = "the server has no password, but one was given"
            return nil
        }
        if code == "LOADING" || code == "BUSY" || code == "MASTERDOWN" {
            return .notReady(notReadyText(String(code), line))
        }
        return pingVerdict(isError: true, line)
    }

    private func pingVerdict(isError: Bool, _ line: String) -> Verdict {
        guard isError else {
            guard line == "PONG" else {
                return .notReady("\(peer): not a Redis server (PING answered '+\(line)')")
            }
            return authWarning.map { .ready(detail: $0, warning: true) } ?? .plainlyReady
        }
        let code = String(line.prefix { $0 != " " })
        switch code {
        case "NOAUTH":
            return .ready(detail: "the server requires a password", warning: false)
        case "LOADING", "BUSY", "MASTERDOWN":
            return .notReady(notReadyText(code, line))
        case "DENIED":
            return .unavailable(
                "\(peer): Redis refused the connection (\(line)): waiting cannot help; set a "
                    + "password (requirepass) or bind it to the interface the clients use")
        default:
            return .ready(detail: "the server answered: -\(line)", warning: true)
        }
    }

    private func notReadyText(_ code: String, _ line: String) -> String {
        let meaning =
            switch code {
            case "LOADING": "Redis is loading its dataset"
            case "BUSY": "Redis is busy running a script"
            default: "the Redis replica has no link to its master"
            }
        return "\(peer): \(meaning): -\(line)"
    }
}
