import Platform

/// The signals the start-up phases react to, read from `SignalPipe`: SIGTERM and SIGINT abort start-up
/// (143/130, 128 + the signal, as if killed by it); SIGCHLD wakes the hook runner when a hook ends.
///
/// The abort itself is `SignalPipe.abortSignal`, which the handler sets once: every later check (the
/// next phase, the exec) sees it, whoever took the signal's byte from the pipe (WaitFor's loop does).
public enum Interruption {
    /// Routes SIGTERM and SIGINT to the signal pipe.
    public static func install() throws(SystemError) {
        try SignalPipe.install([Signal.terminate, Signal.interrupt])
    }

    /// Routes SIGCHLD to the signal pipe too, while hooks run: only then are there children to wait
    /// for, and WaitFor's loop takes any byte in the pipe for an interruption.
    static func watchChildren() throws(SystemError) {
        try SignalPipe.install([Signal.child])
    }

    /// Puts SIGCHLD back to its default disposition and drops what it left in the pipe.
    static func stopWatchingChildren() {
        try? resetSignalsToDefault([Signal.child])
        _ = check()
    }

    /// Drains the signal pipe (its bytes only wake polls: SIGCHLD the hook runner's, the aborts
    /// every loop's); returns the first SIGTERM or SIGINT received so far, if any.
    public static func check() -> Int32? {
        while SignalPipe.received() != nil {}
        return SignalPipe.abortSignal
    }
}
