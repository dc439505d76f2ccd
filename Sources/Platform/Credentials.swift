// Credentials: the user and group IDs of the process, and the privilege drop of `--user`.

internal import Glibc

/// The real and effective user and group IDs of the process.
public struct ProcessCredentials: Equatable, Sendable {
    /// The real user ID.
    public var uid: UInt32
    /// The effective user ID: the one permission checks use.
    public var effectiveUID: UInt32
    /// The real group ID.
    public var gid: UInt32
    /// The effective group ID.
    public var effectiveGID: UInt32

    /// Credentials from their parts.
    public init(uid: UInt32, effectiveUID: UInt32, gid: UInt32, effectiveGID: UInt32) {
        self.uid = uid
        self.effectiveUID = effectiveUID
        self.gid = gid
        self.effectiveGID = effectiveGID
    }

    /// `getuid`, `geteuid`, `getgid`, `getegid` (which cannot fail).
    public static func current() -> ProcessCredentials {
        ProcessCredentials(
            uid: getuid(), effectiveUID: geteuid(), gid: getgid(), effectiveGID: getegid())
    }
}

/// `setgroups(2)`, `setgid(2)`, `setuid(2)` in that order: supplementary groups and the group must be
/// changed while the process still has the privilege to do so.
public func switchCredentials(uid: UInt32, gid: UInt32, groups: [UInt32]) throws(SystemError) {
    var list = groups
    _ = try retryingOnInterrupt("setgroups") { setgroups(list.count, &list) }
    _ = try retryingOnInterrupt("setgid(\(gid))") { setgid(gid) }
    _ = try retryingOnInterrupt("setuid(\(uid))") { setuid(uid) }
}
