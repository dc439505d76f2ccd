/// The self-pipe trick: a handler for SIGTERM/SIGINT (or any set) writes the signal number into a
/// non-blocking pipe, so that loops blocked in `poll(2)` wake at once and can end within the 100 ms the
/// SPEC allows. Put `SignalPipe.readDescriptor` in every `poll` set; `SignalPipe.received()` tells which.
public enum SignalPipe {
    nonisolated(unsafe) private static var descriptors: (read: Int32, write: Int32) = (-1, -1)

    /// The descriptor that becomes readable when one of the installed signals arrives; -1 before
    /// `install`.
    public static var readDescriptor: Int32 { descriptors.read }

    /// Creates the pipe (once) and routes `signals` to it.
    ///
    /// The handlers are reset to `SIG_DFL` before any `execve` by the exec path, and children are spawned
    /// with default dispositions, so nothing of this leaks into the server.
    public static func install(_ signals: [Int32]) throws(SystemError) {
        if descriptors.read < 0 {
            var fds: [Int32] = [0, 0]
            _ = try retryingOnInterrupt("pipe") { pipe(&fds) }
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            descriptors = (fds[0], fds[1])
        }
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { received in
                var byte = UInt8(truncatingIfNeeded: received)
                let saved = errno
                _ = write(SignalPipe.descriptors.write, &byte, 1)
                errno = saved
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            _ = try retryingOnInterrupt("sigaction(\(number))") { sigaction(number, &action, nil) }
        }
    }

    /// The first signal received and not yet taken, without blocking; nil when none arrived.
    public static func received() -> Int32? {
        guard descriptors.read >= 0 else { return nil }
        var byte: UInt8 = 0
        let n = read(descriptors.read, &byte, 1)
        return n == 1 ? Int32(byte) : nil
    }

    /// Waits up to `milliseconds` (-1: forever) for `fd` to become ready for `events` or for a signal;
    /// returns the signal if one arrived first.
    public static func poll(_ fd: Int32, events: Int16, milliseconds: Int32) -> (
        ready: Bool, signal: Int32?
    ) {
        var fds = [
            pollfd(fd: fd, events: events, revents: 0),
            pollfd(fd: descriptors.read, events: Int16(POLLIN), revents: 0),
        ]
        let n = Glibc.poll(&fds, fds[1].fd >= 0 ? 2 : 1, milliseconds)
        if n > 0, fds[1].revents != 0, let signal = received() { return (false, signal) }
        return (n > 0 && fds[0].revents != 0, nil)
    }
}
