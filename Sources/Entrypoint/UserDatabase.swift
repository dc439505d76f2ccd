import Platform

/// Who `--user` names, read from `/etc/passwd` and `/etc/group` directly.
///
/// The files are parsed here instead of calling `getpwnam`/`initgroups`: in a static binary glibc's
/// NSS functions `dlopen` the image's `libnss_files.so`, which a bare image does not have and a
/// different glibc version may not match. runc and gosu parse the files for the same reason.
public struct UserDatabase: Sendable {
    /// The directory holding `passwd` and `group` (`/etc`; tests pass their own).
    public var directory: String

    /// A database over `directory/passwd` and `directory/group`.
    public init(directory: String = "/etc") {
        self.directory = directory
    }

    /// The identity `spec` names.
    ///
    /// - A user name must exist in `passwd`; a numeric UID need not (then the group is 0 and the home
    ///   `/`, as Docker does).
    /// - Without a group: the user's primary group plus every group listing the user as a member
    ///   (`initgroups` semantics). With a group: that group only.
    public func resolve(_ spec: UserSpec) throws(EntrypointError) -> ResolvedUser {
        let users = entries("passwd")
        let entry: [String]?
        if let uid = UInt32(spec.user) {
            entry = users.first { $0.count >= 7 && UInt32($0[2]) == uid }
        } else {
            entry = users.first { $0.count >= 7 && $0[0] == spec.user }
            guard entry != nil else {
                throw .usage("\(spec.source): no user '\(spec.user)' in \(directory)/passwd")
            }
        }
        let name = entry?[0]
        let uid = UInt32(spec.user) ?? entry.flatMap { UInt32($0[2]) } ?? 0
        let home = entry.map { $0[5].isEmpty ? "/" : $0[5] } ?? "/"
        let groups = entries("group")

        if let group = spec.group {
            let gid: UInt32
            if let number = UInt32(group) {
                gid = number
            } else {
                guard let found = groups.first(where: { $0.count >= 3 && $0[0] == group }),
                    let number = UInt32(found[2])
                else {
                    throw .usage("\(spec.source): no group '\(group)' in \(directory)/group")
                }
                gid = number
            }
            return ResolvedUser(name: name, uid: uid, gid: gid, groups: [gid], home: home)
        }
        let gid = entry.flatMap { UInt32($0[3]) } ?? 0
        var supplementary = [gid]
        if let name {
            for group in groups where group.count >= 4 {
                let members = group[3].split(separator: ",").map(String.init)
                if members.contains(name), let number = UInt32(group[2]),
                    !supplementary.contains(number)
                {
                    supplementary.append(number)
                }
            }
        }
        return ResolvedUser(name: name, uid: uid, gid: gid, groups: supplementary, home: home)
    }

    /// The colon-separated fields of each line of `directory/file`; comments and NIS `+`/`-` lines
    /// are skipped. A missing file has no entries.
    private func entries(_ file: String) -> [[String]] {
        guard let bytes = try? readWholeFile(directory + "/" + file) else { return [] }
        return String(decoding: bytes, as: UTF8.self).lines().compactMap { line in
            let line = line.hasSuffix("\r") ? String(line.dropLast()) : line
            guard let first = line.first, first != "#", first != "+", first != "-" else {
                return nil
            }
            return line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
    }
}

/// A resolved `--user`: the IDs to switch to and the home directory for `HOME`.
public struct ResolvedUser: Equatable, Sendable, CustomStringConvertible {
    /// The user name, nil for a numeric UID without a `passwd` entry.
    public var name: String?
    /// The UID.
    public var uid: UInt32
    /// The primary GID.
    public var gid: UInt32
    /// The supplementary groups (`setgroups`), the primary group included.
    public var groups: [UInt32]
    /// The home directory (`HOME` after the switch).
    public var home: String

    /// An identity from its parts.
    public init(name: String?, uid: UInt32, gid: UInt32, groups: [UInt32], home: String) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.home = home
    }

    public var description: String {
        "\(name ?? String(uid)) (uid \(uid), gid \(gid))"
    }
}
