import Platform

/// An exclusive `flock(2)` on a file (`--lock PATH`) held around the hooks, so that replicas sharing a
/// volume run their migrations one at a time.
///
/// The lock is taken with LOCK_NB in a loop that also watches the signal pipe, so that SIGTERM while
/// waiting for another replica still aborts within 100 ms; a blocking `flock` would be restarted by
/// SA_RESTART and wait on. The descriptor is close-on-exec: neither hooks nor the server inherit it,
/// and the kernel releases the lock when it is closed or the process ends.
public struct FileLock {
    /// The locked file.
    public let path: String
    private let descriptor: Int32

    /// Waits until the lock on `path` (created if missing) is ours; logs once when it has to wait.
    ///
    /// - Parameter interrupted: polled while waiting; a signal it returns aborts the wait.
    public static func acquire(
        _ path: String, log: Log, interrupted: () -> Int32?
    ) throws(EntrypointError) -> FileLock {
        let fd: Int32
        do {
            fd = try openFile(path, .readWriteCreating)
        } catch {
            // A lock file provided read-only (or on a read-only volume) can still be locked.
            guard let readOnly = try? openFile(path, .read) else {
                throw .output(path: path, error)
            }
            fd = readOnly
        }
        let start = monotonicNanoseconds()
        var announced = false
        while true {
            let locked: Bool
            do {
                locked = try tryExclusiveLock(fd, name: path)
            } catch {
                closeFile(fd)
                throw .output(path: path, error)
            }
            if locked { break }
            if !announced {
                log.info("waiting for lock \(path) (held by another process)")
                announced = true
            }
            if let signal = interrupted() {
                closeFile(fd)
                throw .interrupted(signal: signal)
            }
            // 10 ms: the hand-over from one replica to the next stays unnoticeable.
            try? SignalPipe.wait(milliseconds: 10)
        }
        if announced {
            let waited = Double(monotonicNanoseconds() - start) / 1e9
            log.info("acquired lock \(path) after \(formatSeconds(waited))")
        } else {
            log.debug("acquired lock \(path)")
        }
        return FileLock(path: path, descriptor: fd)
    }

    /// Releases the lock.
    public func release() {
        closeFile(descriptor)
    }
}
