/// `--user USER[:GROUP]`: a name or a numeric ID for each part, as `docker run --user` takes them.
public struct UserSpec: Equatable, Sendable, CustomStringConvertible {
    /// The user: a name from `/etc/passwd` or a numeric UID.
    public var user: String
    /// The group, when given: a name from `/etc/group` or a numeric GID.
    public var group: String?
    /// Where the spec came from (`--user` or `ENTRYPOINT_USER`), for messages.
    public var source: String

    /// The largest ID `setuid`/`setgid` take: `(uid_t)-1`, 4294967295, means "leave unchanged".
    public static let largestID: UInt32 = 4_294_967_294

    /// Parses `USER[:GROUP]`; `source` names the flag or variable in errors.
    ///
    /// A part made of digits only is an ID and must be at most `largestID`; anything else is a name
    /// (looked up in `UserDatabase`). Both are checked here, before any phase runs.
    public init(parsing text: String, source: String) throws(EntrypointError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let user = String(parts[0])
        guard !user.isEmpty else {
            throw .usage("\(source): '\(text)' names no user (USER[:GROUP])")
        }
        try Self.checkID(user, kind: "uid", text: text, source: source)
        if parts.count == 2 {
            guard !parts[1].isEmpty else {
                throw .usage("\(source): '\(text)' names no group after ':' (USER[:GROUP])")
            }
            try Self.checkID(String(parts[1]), kind: "gid", text: text, source: source)
            group = String(parts[1])
        }
        self.user = user
        self.source = source
    }

    /// Throws when `part` is numeric and past `largestID`.
    private static func checkID(_ part: String, kind: String, text: String, source: String)
        throws(EntrypointError)
    {
        guard part.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return
        }
        if let id = UInt32(part), id <= largestID { return }
        throw .usage(
            "\(source): '\(text)': \(kind) \(part) is out of range (0-\(largestID))")
    }

    public var description: String { group.map { "\(user):\($0)" } ?? user }
}
