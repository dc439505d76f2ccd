import Platform

/// Something to wait for: a TCP port, an HTTP endpoint, a Unix socket, a file, a PostgreSQL, MySQL,
/// Redis or AMQP server, with an optional timeout of its own.
///
/// Written as (README.md, "wait-for", lists the same forms for users):
///
/// ```
/// host:port   tcp://host:port   [v6addr]:port
/// http://host[:port][/path][?status=200-399]      (HTTPS is out of scope)
/// unix:///path/to.sock   file:///path
/// postgres://[user[:password]@]host[:port][/db]   (postgresql:// too; default port 5432)
/// mysql://[user[:password]@]host[:port][/db]      (default port 3306)
/// redis://[[user]:password@]host[:port][/db][?password_file=PATH]   (default port 6379)
/// amqp://[user[:password]@]host[:port][/vhost]    (default port 5672)
/// ```
///
/// Every form takes `?timeout=D` (its own wait timeout, instead of the global one) and `?stable=N`
/// (ready only after N ready answers in a row). A password in a URL is accepted so that an
/// application's `DATABASE_URL` can be passed as is, and is never shown.
public struct Target: Sendable, Equatable, CustomStringConvertible {
    /// What is checked, and how.
    public enum Check: Sendable, Equatable {
        /// Ready when a TCP connection to `host:port` is accepted (on any of its addresses).
        case tcp(host: String, port: UInt16)
        /// Ready when `GET path` answers with a status in `statuses`; redirects are not followed.
        case http(host: String, port: UInt16, path: String, statuses: ClosedRange<Int>)
        /// Ready when a stream connection to the Unix socket at `path` is accepted.
        case unixSocket(path: String)
        /// Ready when `path` exists (any kind of file).
        case file(path: String)
        /// Ready when the server answers a StartupMessage with anything but SQLSTATE 57P03.
        case postgres(host: String, port: UInt16, user: String, database: String)
        /// Ready when the server's greeting is a protocol-10 handshake.
        case mysql(host: String, port: UInt16)
        /// Ready when the server answers `PING` with `+PONG` (after `AUTH` when `auth` is given) or,
        /// without `auth`, with `-NOAUTH`.
        case redis(host: String, port: UInt16, auth: RedisAuth?)
        /// Ready when the server answers the AMQP 0-9-1 protocol header with `Connection.Start`.
        case amqp(host: String, port: UInt16)
    }

    /// What is checked.
    public var check: Check
    /// This target's own wait timeout in nanoseconds (`?timeout=`); nil uses the global one.
    public var timeout: UInt64?
    /// How many ready answers in a row make the target ready (`?stable=N`; 1 by default): a
    /// server that answers and then goes away again (the temporary server of the postgres and
    /// mysql images' first start) is not taken for the real one.
    public var stable: Int

    /// The largest `?stable=` accepted.
    public static let maximumStable = 1000

    /// Creates a target from its parts.
    public init(check: Check, timeout: UInt64? = nil, stable: Int = 1) {
        self.check = check
        self.timeout = timeout
        self.stable = stable
    }

    /// The name used in every log line: `db:5432`, `[::1]:5432`, `http://web/health`,
    /// `unix:///run/app.sock`, `postgres://db:5432`. Never contains a user or password.
    public var description: String {
        switch check {
        case .tcp(let host, let port):
            return Self.authority(host, port)
        case .http(let host, let port, let path, _):
            return "http://" + Self.authority(host, port == 80 ? nil : port) + path
        case .unixSocket(let path):
            return "unix://" + path
        case .file(let path):
            return "file://" + path
        case .postgres(let host, let port, _, _):
            return "postgres://" + Self.authority(host, port)
        case .mysql(let host, let port):
            return "mysql://" + Self.authority(host, port)
        case .redis(let host, let port, _):
            return "redis://" + Self.authority(host, port)
        case .amqp(let host, let port):
            return "amqp://" + Self.authority(host, port)
        }
    }

    /// The host and port of a network target; nil for Unix sockets and files.
    public var endpoint: (host: String, port: UInt16)? {
        switch check {
        case .tcp(let host, let port), .http(let host, let port, _, _),
            .postgres(let host, let port, _, _), .mysql(let host, let port),
            .redis(let host, let port, _), .amqp(let host, let port):
            return (host, port)
        case .unixSocket, .file:
            return nil
        }
    }

    /// `host:port`, with brackets around an IPv6 address; just the host when `port` is nil.
    static func authority(_ host: String, _ port: UInt16?) -> String {
        let shown = host.contains(":") ? "[\(host)]" : host
        guard let port else { return shown }
        return "\(shown):\(port)"
    }
}

// MARK: - Parsing

extension Target {
    /// The schemes `init(parsing:)` knows, for error messages.
    static let schemes = "tcp, http, unix, file, postgres, mysql, redis, amqp"

    /// Parses one target as written on the command line (see the type's documentation).
    ///
    /// - Throws: `InvalidTarget`, whose description names the target (password hidden) and says what
    ///   is wrong: `invalid target 'db:99999': port 99999 is out of range (1-65535)`.
    public init(parsing text: String) throws(InvalidTarget) {
        do throws(TargetSyntax) {
            self = try Self.parse(text)
        } catch {
            throw InvalidTarget(
                input: Self.redacted(text), reason: Self.redacted(error.reason, of: text))
        }
    }

    /// Parses a list of targets separated by commas or whitespace, as in `WAIT_FOR_TARGETS`.
    ///
    /// - Throws: `InvalidTarget` for the first target that does not parse.
    public static func list(parsing text: String) throws(InvalidTarget) -> [Target] {
        var targets: [Target] = []
        for word in text.split(whereSeparator: {
            $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n"
        }) {
            targets.append(try Target(parsing: String(word)))
        }
        return targets
    }

    /// A parse failure without the input, which `init(parsing:)` adds (redacted).
    private struct TargetSyntax: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func parse(_ text: String) throws(TargetSyntax) -> Target {
        guard !text.isEmpty else { throw TargetSyntax("the target is empty") }
        var scheme: String?
        var rest = Substring(text)
        if let separator = schemeSeparator(in: text) {
            scheme = text[..<separator.lowerBound].lowercased()
            rest = text[separator.upperBound...]
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        let parameters = try parseQuery(query)
        // An HTTP URL keeps its own query (`/health?full=1`): only `status`, `timeout` and `stable`
        // are ours.
        let isHTTP = scheme == "http"
        let known = ["timeout", "stable"] + (scheme == "redis" ? ["password_file"] : [])
        if !isHTTP, let unknown = parameters.first(where: { !known.contains($0.name) }) {
            throw TargetSyntax(
                "unknown parameter '\(unknown.name)' (known here: \(known.joined(separator: ", ")))"
            )
        }
        var timeout: UInt64?
        if let value = parameters.last(where: { $0.name == "timeout" })?.value {
            do throws(InvalidDuration) {
                timeout = try DurationFormat.parse(value)
            } catch {
                throw TargetSyntax("timeout: \(error)")
            }
        }
        var stable = 1
        if let value = parameters.last(where: { $0.name == "stable" })?.value {
            guard let count = Int(value), value.allSatisfy({ $0.isASCII && $0.isNumber }),
                (1...Self.maximumStable).contains(count)
            else {
                throw TargetSyntax(
                    "stable: '\(value)' is not a count from 1 to \(Self.maximumStable)")
            }
            stable = count
        }

        let check: Check
        switch scheme {
        case nil, "tcp":
            if rest.contains("/") {
                throw TargetSyntax("a TCP target is host:port, without a path")
            }
            let (host, port) = try parseAuthority(rest, defaultPort: nil)
            check = .tcp(host: host, port: port)
        case "http":
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            if rest[..<slash].contains("@") {
                throw TargetSyntax(
                    "an http:// target takes no user or password (no Authorization header is sent): "
                        + "probe an endpoint that answers without one")
            }
            let (host, port) = try parseAuthority(rest[..<slash], defaultPort: 80)
            var path = slash == rest.endIndex ? "/" : String(rest[slash...])
            let kept = parameters.filter {
                $0.name != "timeout" && $0.name != "status" && $0.name != "stable"
            }
            if !kept.isEmpty {
                path += "?" + kept.map { $0.text }.joined(separator: "&")
            }
            if path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
                throw TargetSyntax("the path must not contain spaces or line breaks")
            }
            var statuses = 200...399
            if let value = parameters.last(where: { $0.name == "status" })?.value {
                statuses = try parseStatuses(value)
            }
            check = .http(host: host, port: port, path: path, statuses: statuses)
        case "https":
            throw TargetSyntax("HTTPS is not supported: use http:// or tcp://host:443")
        case "unix", "file":
            let path = String(rest)
            guard path.hasPrefix("/"), path.count > 1 else {
                throw TargetSyntax(
                    "the path must be absolute: \(scheme ?? "")://\(path.isEmpty ? "/path" : "/" + path)"
                )
            }
            if scheme == "unix" {
                // sun_path holds 108 bytes including the terminating NUL.
                guard path.utf8.count <= 107 else {
                    throw TargetSyntax("a Unix socket path is at most 107 bytes long")
                }
                check = .unixSocket(path: path)
            } else {
                check = .file(path: path)
            }
        case "postgres", "postgresql":
            let (user, host, port, database) = try parseDatabaseURL(rest, defaultPort: 5432)
            let name = user ?? "postgres"
            check = .postgres(host: host, port: port, user: name, database: database ?? name)
        case "mysql":
            let (_, host, port, _) = try parseDatabaseURL(rest, defaultPort: 3306)
            check = .mysql(host: host, port: port)
        case "redis":
            let (host, port, auth) = try parseRedisURL(
                rest, passwordFile: parameters.last(where: { $0.name == "password_file" })?.value)
            check = .redis(host: host, port: port, auth: auth)
        case "amqp":
            let (_, host, port, _) = try parseDatabaseURL(rest, defaultPort: 5672)
            check = .amqp(host: host, port: port)
        case "rediss", "amqps":
            throw TargetSyntax(
                "TLS is not supported: use \(scheme?.dropLast() ?? "")://, or tcp://host:port")
        case let other?:
            throw TargetSyntax("unknown scheme '\(other)' (known: \(schemes))")
        }
        return Target(check: check, timeout: timeout, stable: stable)
    }

    /// `[[user]:password@]host[:port][/db]` and the `password_file` parameter: the credentials of
    /// `AUTH` (percent-escapes decoded, as in Redis clients' URLs). The database number is checked
    /// and otherwise ignored (`PING` needs none).
    private static func parseRedisURL(_ rest: Substring, passwordFile: String?)
        throws(TargetSyntax) -> (host: String, port: UInt16, auth: RedisAuth?)
    {
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        var auth: RedisAuth?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw TargetSyntax(
                    "a redis:// user needs a password: write redis://:password@host or "
                        + "redis://user:password@host")
            }
            let user = try percentDecoded(userInfo[..<colon], part: "user")
            let password = try percentDecoded(
                userInfo[userInfo.index(after: colon)...], part: "password")
            auth = RedisAuth(user: user.isEmpty ? nil : user, password: .inline(password))
        }
        if let passwordFile {
            guard auth == nil else {
                throw TargetSyntax("give the password in the URL or as password_file, not both")
            }
            guard passwordFile.hasPrefix("/") else {
                throw TargetSyntax("password_file: '\(passwordFile)' is not an absolute path")
            }
            auth = RedisAuth(user: nil, password: .file(passwordFile))
        }
        let (host, port) = try parseAuthority(authority, defaultPort: 6379)
        if slash != rest.endIndex {
            let database = rest[rest.index(after: slash)...]
            guard database.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw TargetSyntax("the database '\(database)' is not a number")
            }
        }
        return (host, port, auth)
    }

    /// `text` with `%XX` escapes decoded.
    private static func percentDecoded(_ text: Substring, part: String) throws(TargetSyntax)
        -> String
    {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2,
                let value = UInt8(
                    String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            else {
                throw TargetSyntax("the \(part) has a % that is not followed by two hex digits")
            }
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `name=value&name=value`; a name without `=` has an empty value; `text` is the pair as given.
    private static func parseQuery(_ query: Substring) throws(TargetSyntax) -> [(
        name: String, value: String, text: String
    )] {
        var result: [(name: String, value: String, text: String)] = []
        for pair in query.split(separator: "&") {
            if let equals = pair.firstIndex(of: "=") {
                result.append(
                    (
                        String(pair[..<equals]), String(pair[pair.index(after: equals)...]),
                        String(pair)
                    ))
            } else {
                result.append((String(pair), "", String(pair)))
            }
        }
        return result
    }

    /// `[user[:password]@]host[:port][/database]`.
    private static func parseDatabaseURL(_ rest: Substring, defaultPort: UInt16)
        throws(TargetSyntax) -> (user: String?, host: String, port: UInt16, database: String?)
    {
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        var user: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            let name = userInfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            user = name.isEmpty ? nil : name
            authority = authority[authority.index(after: at)...]
        }
        let (host, port) = try parseAuthority(authority, defaultPort: defaultPort)
        var database: String?
        if slash != rest.endIndex {
            let name = rest[rest.index(after: slash)...]
            database = name.isEmpty ? nil : String(name)
        }
        return (user, host, port, database)
    }

    /// `host:port`, `[v6]:port`, or a bare host when `defaultPort` is given.
    private static func parseAuthority(_ authority: Substring, defaultPort: UInt16?)
        throws(TargetSyntax) -> (host: String, port: UInt16)
    {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw TargetSyntax("missing ']' after the IPv6 address")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw TargetSyntax("expected ':port' after ']'")
                }
                portText = after.dropFirst()
            }
            guard isIPv6Address(String(host)) else {
                throw TargetSyntax("'\(host)' is not an IPv6 address")
            }
        } else {
            let colons = authority.filter { $0 == ":" }.count
            if colons > 1 {
                throw TargetSyntax("an IPv6 address needs brackets, as in [::1]:5432")
            }
            if let colon = authority.firstIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            guard !host.isEmpty else { throw TargetSyntax("the host is empty") }
            guard host.allSatisfy({ isHostCharacter($0) }) else {
                throw TargetSyntax("'\(host)' is not a valid host name")
            }
        }
        guard let portText else {
            guard let defaultPort else { throw TargetSyntax("missing port (write host:port)") }
            return (String(host), defaultPort)
        }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw TargetSyntax("port '\(portText)' is not a number")
        }
        guard let port = Int(portText), port >= 1, port <= 65535 else {
            throw TargetSyntax("port \(portText) is out of range (1-65535)")
        }
        return (String(host), UInt16(port))
    }

    /// `200`, `200-399`: HTTP statuses between 100 and 599.
    private static func parseStatuses(_ text: String) throws(TargetSyntax) -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { part -> Int? in
            guard part.count == 3, part.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return nil
            }
            return Int(part)
        }
        guard (1...2).contains(parts.count), numbers.count == parts.count,
            numbers.allSatisfy({ (100...599).contains($0) }),
            numbers[0] <= numbers[numbers.count - 1]
        else {
            throw TargetSyntax("status '\(text)' is not a status or a range such as 200-399")
        }
        return numbers[0]...numbers[numbers.count - 1]
    }

    /// The first `://` in `text`. A plain loop: `firstRange(of:)` would link the standard library's
    /// regex engine, 1.3 MB of a static binary that must stay under 8 MiB.
    static func schemeSeparator(in text: String) -> Range<String.Index>? {
        var index = text.startIndex
        while index < text.endIndex {
            if text[index...].hasPrefix("://") {
                return index..<text.index(index, offsetBy: 3)
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func isHostCharacter(_ character: Character) -> Bool {
        character.isASCII
            && (character.isLetter || character.isNumber || character == "-"
                || character == "." || character == "_")
    }

    /// `reason` with every quoted piece of `text`'s password replaced by `***`: an unencoded `/` in
    /// a password cuts the authority short, and the parser then quotes the password's head as a
    /// port or a host (`port 'pa' is not a number`).
    static func redacted(_ reason: String, of text: String) -> String {
        guard let range = passwordRange(in: text) else { return reason }
        let password = String(text[range])
        var result = ""
        var rest = reason[...]
        while let open = rest.firstIndex(of: "'"),
            let close = rest[rest.index(after: open)...].firstIndex(of: "'")
        {
            let quoted = rest[rest.index(after: open)..<close]
            result += rest[...open]
            result +=
                !quoted.isEmpty && password.containsText(String(quoted)) ? "***" : String(quoted)
            result += "'"
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// `text` with the password of a `user:password@` part replaced by `***`.
    ///
    /// The password runs from the first `:` to the last `@`, wherever a `/` or `?` falls: an
    /// unencoded `/` in a password (`postgres://app:pa/ss@db`) makes the target invalid, and the
    /// message naming it must not show the password's tail. Redacting too much of a malformed
    /// target is harmless; too little is not.
    static func redacted(_ text: String) -> String {
        guard let range = passwordRange(in: text) else { return text }
        return String(text[..<range.lowerBound]) + "***" + String(text[range.upperBound...])
    }

    /// Where the password of a `scheme://user:password@` target is, if it has one.
    private static func passwordRange(in text: String) -> Range<String.Index>? {
        guard let separator = schemeSeparator(in: text) else { return nil }
        let rest = text[separator.upperBound...]
        guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":")
        else { return nil }
        return rest.index(after: colon)..<at
    }
}
