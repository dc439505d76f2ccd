/// `--user USER[:GROUP]`: a name or a numeric ID for each part, as `docker run --user` takes them.
public struct UserSpec: Equatable, Sendable, CustomStringConvertible {
    /// The user: a name from `/etc/passwd` or a numeric UID.
    public var user: String
    /// The group, when given: a name from `/etc/group` or a numeric GID.
    public var group: String?

    /// Parses `USER[:GROUP]`; `source` names the flag or variable in errors.
    public init(parsing text: String, source: String) throws(EntrypointError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let user = String(parts[0])
        guard !user.isEmpty else {
            throw .usage("\(source): '\(text)' names no user (USER[:GROUP])")
        }
        if parts.count == 2 {
            guard !parts[1].isEmpty else {
                throw .usage("\(source): '\(text)' names no group after ':' (USER[:GROUP])")
            }
            group = String(parts[1])
        }
        self.user = user
    }

    public var description: String { group.map { "\(user):\($0)" } ?? user }
}
