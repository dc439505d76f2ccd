internal import Glibc

/// The self-pipe trick: a handler for SIGTERM/SIGINT (or any set) writes the signal number into a
/// non-blocking pipe, so that loops blocked in `poll(2)` wake at once and can end within 100 ms (the
/// abort bound README.md promises for the wait, the hooks and a render). Put `SignalPipe.readDescriptor` in every `poll` set; `SignalPipe.received()` tells which.
public enum SignalPipe {
    nonisolated(unsafe) private static var descriptors: (read: Int32, write: Int32) = (-1, -1)
    /// The first SIGTERM or SIGINT the handler saw (0: none), for `abortsBlockingCalls`.
    nonisolated(unsafe) private static var abortArrived: Int32 = 0
    nonisolated(unsafe) private static var aborting = false
    nonisolated(unsafe) private static var restartFlags = SA_RESTART
    /// SIGTERM and SIGINT, once `install` routed them here.
    nonisolated(unsafe) private static var routedAborts: [Int32] = []

    /// Whether a SIGTERM or SIGINT has arrived since `install`, whoever took it from the pipe.
    public static var abortSignal: Int32? { abortArrived == 0 ? nil : abortArrived }

    /// While true, SIGTERM and SIGINT interrupt blocking system calls (no `SA_RESTART`), and
    /// `retryingOnInterrupt` gives up with `EINTR` instead of calling again once one of them arrived.
    ///
    /// For work that is not a `poll` loop over the signal pipe: rendering a template tree, whose
    /// `open` of a FIFO or `read` of a slow input would otherwise be restarted by the kernel and hold
    /// the process past the 100 ms an abort may take (README.md, "templater"). Every `Platform` wrapper goes through
    /// `retryingOnInterrupt`, so the work stops at its next system call, at the latest after one
    /// 64 KiB chunk.
    public static var abortsBlockingCalls: Bool {
        get { aborting }
        set {
            aborting = newValue
            restartFlags = newValue ? 0 : SA_RESTART
            for number in routedAborts {
                var current = sigaction()
                guard sigaction(number, nil, &current) == 0 else { continue }
                current.sa_flags = restartFlags
                _ = sigaction(number, &current, nil)
            }
        }
    }

    /// Whether `retryingOnInterrupt` must give up now.
    @inline(__always)
    static var shouldAbort: Bool { aborting && abortArrived != 0 }

    /// Writes the signal number into the pipe (async-signal-safe: `write(2)` only).
    private static let handler: @convention(c) (Int32) -> Void = { received in
        var byte = UInt8(truncatingIfNeeded: received)
        let saved = errno
        if (received == SIGTERM || received == SIGINT) && SignalPipe.abortArrived == 0 {
            SignalPipe.abortArrived = received
        }
        _ = write(SignalPipe.descriptors.write, &byte, 1)
        errno = saved
    }

    /// The descriptor that becomes readable when one of the installed signals arrives; -1 before
    /// `install`.
    public static var readDescriptor: Int32 { descriptors.read }

    /// Creates the pipe (once) and routes `signals` to it.
    ///
    /// The handlers are reset to `SIG_DFL` before any `execve` by the exec path, and children are spawned
    /// with default dispositions, so nothing of this leaks into the server.
    public static func install(_ signals: [Int32]) throws(SystemError) {
        if descriptors.read < 0 {
            descriptors = try makePipe()
        }
        // Touch the handler's globals here, so that their lazy initialisation never runs in it.
        _ = (abortArrived, descriptors, handler)
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handler
            sigemptyset(&action.sa_mask)
            let isAbort = number == SIGTERM || number == SIGINT
            action.sa_flags = isAbort ? restartFlags : SA_RESTART
            if isAbort && !routedAborts.contains(number) { routedAborts.append(number) }
            _ = try retryingOnInterrupt("sigaction(\(number))") { sigaction(number, &action, nil) }
        }
    }

    /// Waits up to `milliseconds` (-1: forever) for the pipe to become readable (`poll(2)`, which a
    /// handled signal also ends); a plain sleep before `install`.
    public static func wait(milliseconds: Int32) throws(SystemError) {
        guard descriptors.read >= 0 else {
            if milliseconds > 0 { sleepNanoseconds(UInt64(milliseconds) * 1_000_000) }
            return
        }
        var requests = [PollRequest(descriptors.read)]
        try poll(&requests, milliseconds: milliseconds)
    }

    /// The first signal received and not yet taken, without blocking; nil when none arrived.
    public static func received() -> Int32? {
        guard descriptors.read >= 0 else { return nil }
        var byte: UInt8 = 0
        let n = read(descriptors.read, &byte, 1)
        return n == 1 ? Int32(byte) : nil
    }
}
