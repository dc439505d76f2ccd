import Platform

/// The signals the start-up phases react to, read from `SignalPipe`: SIGTERM and SIGINT abort start-up
/// (143/130, SPEC §4); SIGCHLD wakes the hook runner when a hook ends.
///
/// `SignalPipe` hands out each signal once; this keeps an abort signal once seen, so that every later
/// check (the next phase, the exec) sees it too.
public enum Interruption {
    nonisolated(unsafe) private static var abortSignal: Int32?

    /// Routes SIGTERM and SIGINT to the signal pipe.
    public static func install() throws(SystemError) {
        try SignalPipe.install([SIGTERM, SIGINT])
    }

    /// Routes SIGCHLD to the signal pipe too, while hooks run: only then are there children to wait
    /// for, and WaitFor's loop takes any byte in the pipe for an interruption.
    static func watchChildren() throws(SystemError) {
        try SignalPipe.install([SIGCHLD])
    }

    /// Puts SIGCHLD back to its default disposition and drops what it left in the pipe.
    static func stopWatchingChildren() {
        resetToDefault(SIGCHLD)
        _ = check()
    }

    /// Drains the signal pipe; returns the first SIGTERM or SIGINT received so far, if any.
    public static func check() -> Int32? {
        while let signal = SignalPipe.received() {
            // SIGCHLD bytes only wake the hook runner's poll; draining them is all they need.
            if abortSignal == nil && (signal == SIGTERM || signal == SIGINT) {
                abortSignal = signal
            }
        }
        return abortSignal
    }
}
