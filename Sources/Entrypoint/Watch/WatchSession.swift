import Platform

/// `--watch` while the server runs: the event source the init supervisor polls next to its signals.
///
/// The supervisor puts `descriptor` in its `poll` set, sleeps no longer than `deadline` (none: no
/// timeout at all while nothing is pending, so an idle watch costs no CPU), and calls `service`
/// whenever it wakes. A reload runs inside `service`, synchronously: changes that arrive meanwhile
/// stay queued in the kernel and become the next batch, so two reloads never overlap and none is
/// lost. Once the server is stopping, `stop()` closes the watch: no reload starts after it.
public final class WatchSession {
    private let watcher: Watcher
    private var reloader: Reloader
    private let log: Log
    /// The inotify descriptor's registration in the supervisor's loop, once attached.
    var source: SupervisorLoop.DescriptorID?
    /// The pending debounce timer in the supervisor's loop.
    var timer: SupervisorLoop.TimerID?

    /// Arms the watch for what `startup`'s render phase reads; the check runs with the server's
    /// environment, set by `serverStarted`.
    init(startup: Startup, inputs: WatchInputs) throws(SystemError) {
        let quiet = startup.configuration.watchDebounce
        watcher = try Watcher(
            inputs: inputs, quiet: quiet, limit: max(10 * quiet, 1_000_000_000), log: startup.log)
        reloader = Reloader(startup: startup, serverEnvironment: startup.environment)
        log = startup.log
    }

    /// The inotify descriptor to poll for `POLLIN`; -1 once stopped.
    public var descriptor: Int32 { watcher.descriptor }

    /// When `service` must run even if nothing is readable (`CLOCK_MONOTONIC` ns); nil for never.
    public var deadline: UInt64? { watcher.deadline }

    /// The directories watched now.
    var watchedDirectories: [String] { watcher.watchedDirectories }

    /// Whether the watch still runs.
    public var isWatching: Bool { watcher.descriptor >= 0 }

    /// The milliseconds `poll` may sleep: until the deadline, capped by `limit` (-1: forever).
    public func pollTimeout(cappedAt limit: Int32 = -1) -> Int32 {
        guard let deadline else { return limit }
        let now = monotonicNanoseconds()
        let milliseconds = Int32(
            clamping: deadline > now ? (deadline - now + 999_999) / 1_000_000 : 0)
        return limit < 0 ? milliseconds : min(milliseconds, limit)
    }

    /// The environment the server was started with (the check runs with it).
    public func serverStarted(environment: Environment) {
        reloader.serverEnvironment = environment
    }

    /// Reads what the kernel queued and, when a batch is due, reloads (`readEvents`, then
    /// `reloadIfDue`).
    public func service(wake: Int32 = -1, interrupted: () -> Int32?, signal: (Int32) -> Int32) {
        readEvents()
        reloadIfDue(wake: wake, interrupted: interrupted, signal: signal)
    }

    /// Reads what the kernel queued (call when `descriptor` is readable); `deadline` moves.
    public func readEvents() {
        guard isWatching else { return }
        watcher.readEvents(now: monotonicNanoseconds())
    }

    /// When a batch is due, reloads: `signal` sends the reload signal to the server (the
    /// supervisor's sending path) and returns its PID; `interrupted` tells a running check that the
    /// server is stopping (its answer: the signal that stops it), and `wake` is a descriptor that
    /// becomes readable then. Returns whether a batch was due.
    @discardableResult
    public func reloadIfDue(
        wake: Int32 = -1, interrupted: () -> Int32?, signal: (Int32) -> Int32
    ) -> Bool {
        guard isWatching, let batch = watcher.takeBatch(now: monotonicNanoseconds()) else {
            return false
        }
        reloader.reload(changed: batch, wake: wake, interrupted: interrupted, signal: signal)
        return true
    }

    /// Stops watching for good (the server is stopping or has ended).
    public func stop() {
        guard isWatching else { return }
        watcher.close()
        log.debug("watch: stopped")
    }
}
