import Platform

extension WatchSession {
    /// Plugs the watch into the init supervisor's event loop (`InitSupervisor.loop`) before it runs:
    /// the inotify descriptor as a source, the debounce as a timer re-armed at each event, the
    /// reload signal sent through `signalChild(_:mapped: false)` (the same sending path as forwarded
    /// signals, `--signal-group` included; not rewritten by `--signal-map`, since `--reload-signal`
    /// already names what the server wants).
    ///
    /// Once the stop has begun (`isStopping`: the stop signal or SIGINT arrived), no reload starts:
    /// the next event or timer closes the watch instead. A check running when the stop signal
    /// arrives sees it pending (`sigpending`) and is ended at once; the files are put back and the
    /// loop then handles the signal.
    public func attach(to supervisor: InitSupervisor) {
        source = supervisor.loop.addDescriptor(descriptor) { [unowned self, unowned supervisor] _ in
            self.eventsArrived(supervisor)
        }
    }

    private func eventsArrived(_ supervisor: InitSupervisor) {
        guard !stopIfStopping(supervisor) else { return }
        readEvents()
        scheduleDebounce(supervisor)
    }

    /// (Re-)arms the debounce timer for the watcher's deadline.
    private func scheduleDebounce(_ supervisor: InitSupervisor) {
        if let timer {
            supervisor.loop.cancelTimer(timer)
            self.timer = nil
        }
        guard let deadline else { return }
        let now = monotonicNanoseconds()
        timer = supervisor.loop.addTimer(after: deadline > now ? deadline - now : 0) {
            [unowned self, unowned supervisor] in
            self.timer = nil
            self.debounceEnded(supervisor)
        }
    }

    private func debounceEnded(_ supervisor: InitSupervisor) {
        guard !stopIfStopping(supervisor) else { return }
        let stopSignals = [supervisor.profile.stopSignal, Signal.interrupt]
        let reloaded = reloadIfDue(
            interrupted: { (try? firstPendingSignal(stopSignals)) ?? nil },
            signal: { signal in
                supervisor.signalChild(signal, mapped: false)
                return supervisor.child
            })
        if !reloaded { scheduleDebounce(supervisor) }
    }

    /// Closes the watch and leaves the loop when the server is stopping; returns whether it did.
    private func stopIfStopping(_ supervisor: InitSupervisor) -> Bool {
        guard supervisor.isStopping else { return false }
        if let source { supervisor.loop.removeDescriptor(source) }
        if let timer { supervisor.loop.cancelTimer(timer) }
        source = nil
        timer = nil
        stop()
        return true
    }
}
