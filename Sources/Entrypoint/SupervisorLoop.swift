import Platform

/// The init supervisor's event loop: one `poll(2)` on a signalfd of the blocked signals, on the
/// descriptors its users add, with a timeout that ends at the nearest timer's deadline.
///
/// Each wake-up dispatches to small handlers, in this order: the signals taken (SIGCHLD and the
/// forwarded ones alike, to `onSignal`), the ready descriptors, then the timers that are due. A handler
/// may add or remove descriptors and timers, and `finish()` ends the loop after the current dispatch.
/// Signals come first so that a child's end is seen before a timer acts on a child that is gone.
///
/// `InitSupervisor` adds its stop delay and stop timeout as timers; other event sources (an inotify
/// descriptor and its debounce timer, say) are added the same way, through `InitSupervisor.loop`:
///
///     let id = supervisor.loop.addDescriptor(fd) { _ in ... }
///     supervisor.loop.addTimer(after: 500_000_000) { ... }
public final class SupervisorLoop {
    /// Identifies a descriptor added with `addDescriptor`, for `removeDescriptor`.
    public struct DescriptorID: Hashable, Sendable {
        let value: Int
    }
    /// Identifies a timer added with `addTimer`, for `cancelTimer`.
    public struct TimerID: Hashable, Sendable {
        let value: Int
    }

    private struct Source {
        var id: DescriptorID
        var descriptor: Int32
        var events: PollEvents
        var handler: (_ found: PollEvents) -> Void
    }
    private struct Timer {
        var id: TimerID
        var deadline: UInt64
        var handler: () -> Void
    }

    private var signals: SignalDescriptor
    private var sources: [Source] = []
    private var timers: [Timer] = []
    private var nextID = 0
    private var finished = false

    /// What to do with each signal taken from the signalfd.
    public var onSignal: (Int32) -> Void = { _ in }

    /// Blocks `signals` and opens the signalfd they are read from. Signals already pending are taken
    /// at the first wake-up.
    public init(signals: [Int32]) throws(SystemError) {
        self.signals = try SignalDescriptor(blocking: signals)
    }

    deinit {
        signals.close()
    }

    // MARK: - Sources

    /// Calls `handler` with what `poll` found whenever `descriptor` is ready for `events` (default
    /// `.readable`). The descriptor stays the caller's: the loop never reads or closes it.
    @discardableResult
    public func addDescriptor(
        _ descriptor: Int32, events: PollEvents = .readable,
        _ handler: @escaping (_ found: PollEvents) -> Void
    ) -> DescriptorID {
        nextID += 1
        let id = DescriptorID(value: nextID)
        sources.append(Source(id: id, descriptor: descriptor, events: events, handler: handler))
        return id
    }

    /// Stops watching a descriptor added with `addDescriptor`.
    public func removeDescriptor(_ id: DescriptorID) {
        sources.removeAll { $0.id == id }
    }

    /// Calls `handler` once, `nanoseconds` from now (monotonic clock).
    @discardableResult
    public func addTimer(after nanoseconds: UInt64, _ handler: @escaping () -> Void) -> TimerID {
        nextID += 1
        let id = TimerID(value: nextID)
        let deadline = monotonicNanoseconds() &+ nanoseconds
        timers.append(Timer(id: id, deadline: deadline, handler: handler))
        return id
    }

    /// Cancels a timer that has not fired yet (a fired or unknown one is ignored).
    public func cancelTimer(_ id: TimerID) {
        timers.removeAll { $0.id == id }
    }

    /// Ends `run()` once the current dispatch is done.
    public func finish() {
        finished = true
    }

    // MARK: - Running

    /// Waits and dispatches until a handler calls `finish()`.
    public func run() throws(SystemError) {
        finished = false
        while !finished {
            try wakeOnce()
        }
    }

    /// One wait and the dispatch of what it found.
    ///
    /// With no descriptor to watch, the wait is `sigtimedwait(2)` with the timers' timeout, as tini's:
    /// forwarding a signal is then one system call in and one `kill` out, where `poll` and a `read`
    /// of the signalfd measured about 30 us more per signal on a loaded machine
    /// (`scripts/bench/entrypoint.sh`). Both take from the same pending set.
    private func wakeOnce() throws(SystemError) {
        if sources.isEmpty {
            try waitForSignal()
            return
        }
        var requests = [PollRequest(signals.descriptor)]
        let watched = sources
        requests.reserveCapacity(watched.count + 1)
        for source in watched {
            requests.append(PollRequest(source.descriptor, source.events))
        }
        // A wait that a handled signal interrupted (EINTR) finds nothing: only due timers run.
        try poll(&requests, milliseconds: pollTimeout())

        if !requests[0].returned.isEmpty {
            while let signal = try signals.take() {
                onSignal(signal)
                if finished { return }
            }
        }
        for (index, source) in watched.enumerated() where !requests[index + 1].returned.isEmpty {
            // A handler may have removed a later source.
            guard sources.contains(where: { $0.id == source.id }) else { continue }
            source.handler(requests[index + 1].returned)
            if finished { return }
        }
        fireDueTimers()
    }

    /// `sigtimedwait` until a signal arrives or the nearest timer is due, then the dispatch.
    private func waitForSignal() throws(SystemError) {
        var left: UInt64?
        if let nearest = nearestDeadline() {
            let now = monotonicNanoseconds()
            left = nearest > now ? nearest - now : 0
        }
        if let signal = try signals.take(waitingUpTo: left) {
            onSignal(signal)
            if finished { return }
        }
        fireDueTimers()
    }

    /// Calls the handlers of the timers that are due, earliest first.
    private func fireDueTimers() {
        guard !timers.isEmpty else { return }
        let now = monotonicNanoseconds()
        let due = timers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
        for timer in due {
            guard timers.contains(where: { $0.id == timer.id }) else { continue }
            timers.removeAll { $0.id == timer.id }
            timer.handler()
            if finished { return }
        }
    }

    /// The earliest timer deadline, nil when there is no timer.
    ///
    /// A plain loop: it runs right after a signal was forwarded, while the woken child often waits
    /// for this CPU (the scheduler wakes it where the sender runs), so the loop must get back to
    /// its wait at once; a key path's first use alone cost tens of microseconds there.
    private func nearestDeadline() -> UInt64? {
        var nearest: UInt64?
        for timer in timers where nearest.map({ timer.deadline < $0 }) ?? true {
            nearest = timer.deadline
        }
        return nearest
    }

    /// Milliseconds until the nearest timer (rounded up, so that a timer never fires early), -1 when
    /// there is none.
    private func pollTimeout() -> Int32 {
        guard let nearest = nearestDeadline() else { return -1 }
        let now = monotonicNanoseconds()
        guard nearest > now else { return 0 }
        let milliseconds = (nearest - now + 999_999) / 1_000_000
        return Int32(clamping: milliseconds)
    }
}
