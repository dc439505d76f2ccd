import Platform

/// The privilege drop of `--user`: `setgroups`, `setgid`, `setuid`, in that order, after the hooks and
/// before the server starts.
///
/// Whether the switch can work is checked before any phase runs (`check`), so that a container
/// started as non-root, or without CAP_SETUID, stops before templates are written or hooks migrate
/// anything; `apply` does the switch itself.
public enum UserSwitch {
    /// Throws `.userSwitch` when switching to `user` cannot work: the process is not root, lacks
    /// CAP_SETUID/CAP_SETGID (`/proc/self/status`), or runs in a user namespace where the IDs are not
    /// mapped (`/proc/self/uid_map`, `gid_map`). Nothing is checked when it already is that user.
    /// Where `/proc` is not mounted only the root check is made; the kernel has the last word.
    public static func check(_ user: ResolvedUser) throws(EntrypointError) {
        let current = ProcessCredentials.current()
        if isAlready(user, current) { return }
        guard current.effectiveUID == 0 else {
            throw .userSwitch(
                "cannot switch to user \(user): the entrypoint runs as uid \(current.effectiveUID), "
                    + "not root (run the container as root, or drop --user)")
        }
        if let effective = capabilities() {
            // CAP_SETGID is bit 6, CAP_SETUID bit 7 (capabilities(7)).
            for (bit, name) in [(6, "CAP_SETGID"), (7, "CAP_SETUID")]
            where effective & (1 << UInt64(bit)) == 0 {
                throw .userSwitch(
                    "cannot switch to user \(user): the entrypoint runs as root without \(name) "
                        + "(docker run --cap-add SETUID --cap-add SETGID, or drop --user)")
            }
        }
        if let map = idMap("uid_map"), !map.contains(where: { $0.contains(user.uid) }) {
            throw .userSwitch(
                "cannot switch to user \(user): uid \(user.uid) is not mapped in this user "
                    + "namespace (/proc/self/uid_map)")
        }
        if let map = idMap("gid_map") {
            for gid in [user.gid] + user.groups where !map.contains(where: { $0.contains(gid) }) {
                throw .userSwitch(
                    "cannot switch to user \(user): gid \(gid) is not mapped in this user "
                        + "namespace (/proc/self/gid_map)")
            }
        }
    }

    /// Switches the process to `user`; returns true when it switched, false when it already was that
    /// user (a no-op, so the same image runs under `docker run --user` too).
    ///
    /// Throws `.userSwitch` with a message saying what to do when the process is not root or the
    /// kernel refuses (a user namespace without the IDs mapped, `no-new-privileges` is no obstacle).
    public static func apply(_ user: ResolvedUser, log: Log) throws(EntrypointError) -> Bool {
        if isAlready(user, ProcessCredentials.current()) {
            log.info("already running as \(user); no user switch needed")
            return false
        }
        try check(user)
        do {
            try switchCredentials(uid: user.uid, gid: user.gid, groups: user.groups)
        } catch {
            throw .userSwitch("cannot switch to user \(user): \(error)")
        }
        log.info("switched to user \(user)")
        return true
    }

    /// Whether the process already runs as `user` (real and effective IDs).
    private static func isAlready(_ user: ResolvedUser, _ current: ProcessCredentials) -> Bool {
        current.uid == user.uid && current.effectiveUID == user.uid && current.gid == user.gid
            && current.effectiveGID == user.gid
    }

    /// The `CapEff:` mask of `/proc/self/status`; nil when it cannot be read.
    private static func capabilities() -> UInt64? {
        guard let bytes = try? readWholeFile("/proc/self/status") else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).lines() where line.hasPrefix("CapEff:") {
            return UInt64(
                line.dropFirst("CapEff:".count).filter { $0 != " " && $0 != "\t" }, radix: 16)
        }
        return nil
    }

    /// The ranges of `/proc/self/FILE` (`inside outside count` per line), as the inside IDs they
    /// map; nil when it cannot be read.
    private static func idMap(_ file: String) -> [ClosedRange<UInt64>]? {
        guard let bytes = try? readWholeFile("/proc/self/" + file) else { return nil }
        return String(decoding: bytes, as: UTF8.self).lines().compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 3, let inside = UInt64(fields[0]), let count = UInt64(fields[2]),
                count > 0
            else { return nil }
            return inside...(inside + count - 1)
        }
    }
}

extension ClosedRange<UInt64> {
    /// Whether the range holds the ID `id`.
    fileprivate func contains(_ id: UInt32) -> Bool { contains(UInt64(id)) }
}
