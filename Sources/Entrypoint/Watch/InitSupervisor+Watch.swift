import Platform

extension InitSupervisor {
    /// The signals after which no reload starts: the server is being stopped.
    static let stopSignals: [Int32] = [SIGTERM, SIGINT, SIGQUIT]

    /// Routes `signals` (blocked until now, some maybe pending) to the signal pipe and unblocks
    /// them, so that `poll` can wait for a signal and the watch's inotify descriptor at once
    /// (`sigtimedwait` waits for signals only, and the Glibc module has no `signalfd`). A signal
    /// pending from before is delivered to the pipe at the unblock: none is lost.
    static func routeSignalsToPipe(_ signals: [Int32]) throws(EntrypointError) {
        do {
            try SignalPipe.install(signals)
        } catch {
            throw .system(error)
        }
        unblockSignals(signals)
    }

    /// The supervisor's wait with `--watch`: sleeps in `poll` on the signal pipe and the watch's
    /// inotify descriptor until a signal arrives, the watch's debounce deadline passes or
    /// `milliseconds` run out. A reload that falls due runs here (its signal goes to `child`
    /// through `sendSignal`, as forwarded signals do); returns the signal taken, or nil.
    static func waitWatching(_ milliseconds: Int32, watch: WatchSession, child: pid_t) -> Int32? {
        if let signal = SignalPipe.received() { return signal }
        waitUntilReadable(
            [SignalPipe.readDescriptor, watch.descriptor],
            milliseconds: watch.pollTimeout(cappedAt: milliseconds))
        if let signal = SignalPipe.received() { return signal }
        watch.service(
            interrupted: { SignalPipe.abortSignal },
            signal: { signal in
                sendSignal(signal, to: child)
                return child
            })
        return nil
    }
}
