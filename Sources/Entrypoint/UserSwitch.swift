import Platform

/// The privilege drop of `--user`: `setgroups`, `setgid`, `setuid`, in that order, after the hooks and
/// before the server starts.
public enum UserSwitch {
    /// Switches the process to `user`; returns true when it switched, false when it already was that
    /// user (a no-op, so the same image runs under `docker run --user` too).
    ///
    /// Throws `.userSwitch` with a message saying what to do when the process is not root or the
    /// kernel refuses (a user namespace without the IDs mapped, `no-new-privileges` is no obstacle).
    public static func apply(_ user: ResolvedUser, log: Log) throws(EntrypointError) -> Bool {
        let current = ProcessCredentials.current()
        if current.uid == user.uid && current.effectiveUID == user.uid && current.gid == user.gid
            && current.effectiveGID == user.gid
        {
            log.info("already running as \(user); no user switch needed")
            return false
        }
        guard current.effectiveUID == 0 else {
            throw .userSwitch(
                "cannot switch to user \(user): the entrypoint runs as uid \(current.effectiveUID), "
                    + "not root (run the container as root, or drop --user)")
        }
        do {
            try switchCredentials(uid: user.uid, gid: user.gid, groups: user.groups)
        } catch {
            throw .userSwitch("cannot switch to user \(user): \(error)")
        }
        log.info("switched to user \(user)")
        return true
    }
}
