import Platform

/// `--init`: the entrypoint stays PID 1 (or the child subreaper) and runs the command as its child, as
/// tini does, and stops it the way its `StopProfile` says.
///
/// - The child runs in a process group of its own, with an empty signal mask and default dispositions,
///   and gets the terminal when stdin is one.
/// - Every catchable signal (`forwardedSignals`) is blocked in the supervisor and read from a signalfd
///   by its `SupervisorLoop`, then sent to the child (or its group, `signalGroup`), rewritten by the
///   signal map. Blocked signals are never discarded, even for PID 1, whose default-disposition signals
///   the kernel drops.
/// - Every child that ends is reaped: orphans re-parented to PID 1, or to the supervisor when it is
///   not PID 1 (it registers as child subreaper then, as `tini -s`), so no zombie piles up.
/// - The stop signal (SIGTERM) starts the stop: the drain delay, then the mapped signal, then the
///   stop timeout's SIGKILL to the child's process group. One log line per step.
/// - When the command ends, `run` returns its status: the exit status, or 128 + n for a signal (137
///   after the stop timeout's SIGKILL). Orphans still running then are left, as tini leaves them: the
///   kernel ends a PID namespace with its PID 1, and outside one they go to the next subreaper.
///
/// Other event sources plug into `loop` before `run` (or from a handler): a descriptor with a
/// handler, a timer; `signalChild` sends a signal the way forwarded ones go.
public final class InitSupervisor {
    /// The command, argv[0] first.
    public let command: [String]
    /// How the child is stopped and signals are forwarded.
    public let profile: StopProfile
    /// The event loop: signals, descriptors, timers.
    public let loop: SupervisorLoop
    /// The child's PID (and process group); 0 until `run` started it.
    public private(set) var child: Int32 = 0
    /// Whether the stop has begun (the stop signal or SIGINT arrived).
    public var isStopping: Bool { stop != .running }

    private let environment: Environment
    private let log: Log
    private var status: TerminationStatus?

    /// Where the stop is.
    private enum Stop: Equatable {
        /// No stop signal yet.
        case running
        /// The stop signal arrived at `since`; it is forwarded when the drain timer fires.
        case draining(since: UInt64, timer: SupervisorLoop.TimerID)
        /// `signal` was sent to the child at `at`.
        case signalled(at: UInt64, signal: Int32)
        /// The stop timeout ran out and the child's group got SIGKILL; `at` is when the stop signal
        /// was sent.
        case killed(at: UInt64)
    }
    private var stop = Stop.running

    /// A supervisor for `command` with `environment`; blocks the forwarded signals and SIGCHLD at
    /// once, so that a signal arriving while the child starts stays pending and is forwarded.
    public init(
        command: [String], environment: Environment, profile: StopProfile = StopProfile(),
        log: Log
    ) throws(EntrypointError) {
        self.command = command
        self.environment = environment
        self.profile = profile
        self.log = log
        do {
            loop = try SupervisorLoop(signals: forwardedSignals + [Signal.child])
        } catch {
            throw .system(error)
        }
        loop.onSignal = { [unowned self] signal in self.handle(signal) }
    }

    /// Starts the command, forwards signals and runs the stop until it ends; returns its exit code.
    public func run() throws(EntrypointError) -> Int32 {
        if let signal = Interruption.check() { throw .interrupted(signal: signal) }
        if currentProcessID() != 1 {
            // Not PID 1 (docker run --init, shareProcessNamespace, CI): orphans would go to the real
            // init and never be reaped by us.
            do {
                try becomeChildSubreaper()
                log.debug("registered as child subreaper (pid \(currentProcessID()) is not 1)")
            } catch {
                log.warning("cannot reap orphans: \(error)")
            }
        }
        try spawnChild()
        // The supervisor runs for as long as the server: its code is mapped now, so that the
        // first SIGTERM is not forwarded after a string of page faults (about 30 us of a 50 us
        // forward on the first signal, scripts/bench/entrypoint.sh), and signal 0 (an existence
        // check) runs the forwarding path once.
        do {
            try prefaultExecutableCode()
        } catch {
            log.debug("code not prefaulted: \(error)")
        }
        signalChild(0)
        do {
            try loop.run()
        } catch {
            throw .system(error)
        }
        return status?.exitCode ?? ExitCode.failure
    }

    /// Sends `signal` to the child — rewritten by the signal map when `mapped` — or to its whole
    /// process group with `--signal-group`; returns the signal sent. A child already gone is no error.
    @discardableResult
    public func signalChild(_ signal: Int32, mapped: Bool = true) -> Int32 {
        let sent = mapped ? profile.signalMap.mapped(signal) : signal
        guard child > 0 else { return sent }
        if profile.signalGroup {
            try? signalProcessGroup(child, sent)
        } else {
            try? signalProcess(child, sent)
        }
        return sent
    }

    /// argv[0] without its directory, for log lines (`nginx`, not `/usr/sbin/nginx`).
    public var name: String {
        let program = command.first ?? ""
        return program.split(separator: "/").last.map(String.init) ?? program
    }

    // MARK: - Handlers

    private func spawnChild() throws(EntrypointError) {
        do throws(ExecFailure) {
            child = try startCommand(command, environment: environment)
        } catch {
            throw .exec(error)
        }
        handTerminal(to: child)
        log.info("started \(command[0]) as pid \(child) (init mode, pid \(currentProcessID()))")
    }

    /// One signal from the loop: SIGCHLD reaps, the stop signal and SIGINT go through the stop, the
    /// rest is forwarded (mapped).
    private func handle(_ signal: Int32) {
        if signal == Signal.child {
            reap()
            return
        }
        if signal == profile.stopSignal || signal == Signal.interrupt {
            handleStop(signal)
            return
        }
        let sent = signalChild(signal)
        log.debug("forwarding \(describe(signal, as: sent)) to pid \(child)")
    }

    /// The stop signal or SIGINT.
    ///
    /// - Running: the stop signal with a delay starts the drain; without one, or SIGINT, it is
    ///   forwarded at once.
    /// - Draining: a second stop signal forwards the mapped stop signal at once; SIGINT ends the drain
    ///   and is forwarded itself (mapped): the impatient stop.
    /// - Signalled or killed: forwarded again (mapped), as any signal is; the timeout keeps its
    ///   deadline.
    private func handleStop(_ signal: Int32) {
        switch stop {
        case .running:
            if signal == profile.stopSignal && profile.stopDelay > 0 {
                let timer = loop.addTimer(after: profile.stopDelay) { [unowned self] in
                    self.endDrain()
                }
                stop = .draining(since: monotonicNanoseconds(), timer: timer)
                log.info(
                    "stop: \(signalName(signal)) received, draining "
                        + formatDuration(profile.stopDelay))
                return
            }
            sendStop(signal, received: "stop: \(signalName(signal)) received")
        case .draining(let since, let timer):
            loop.cancelTimer(timer)
            let now = monotonicNanoseconds()
            sendStop(
                signal,
                received: "stop: \(signal == profile.stopSignal ? "second " : "")"
                    + "\(signalName(signal)) received after \(formatDuration(now - since)) of "
                    + "draining: stopping now")
        case .signalled, .killed:
            let sent = signalChild(signal)
            log.info(
                "stop: \(signalName(signal)) received again, sending \(signalName(sent)) to "
                    + "\(name) (pid \(child))")
        }
    }

    /// The drain delay is over: the stop signal goes out.
    private func endDrain() {
        guard case .draining = stop else { return }
        sendStop(
            profile.stopSignal, received: "stop: drained for \(formatDuration(profile.stopDelay))")
    }

    /// Sends the mapped `signal` and starts the stop timeout; then logs `received` (the line that says
    /// why) and what was sent. The signal goes first: formatting and writing log lines would add
    /// tens of microseconds to the forwarding latency.
    private func sendStop(_ signal: Int32, received: @autoclosure () -> String) {
        let sent = signalChild(signal)
        stop = .signalled(at: monotonicNanoseconds(), signal: sent)
        if let timeout = profile.stopTimeout {
            loop.addTimer(after: timeout) { [unowned self] in self.timeOut() }
        }
        log.info(received())
        log.info(
            "stop: sending \(signalName(sent)) to "
                + (profile.signalGroup ? "the process group of \(name)" : name)
                + " (pid \(child))"
                + (profile.stopTimeout.map {
                    "; SIGKILL in \(formatDuration($0)) if it has not ended"
                } ?? ""))
    }

    /// The stop timeout ran out: SIGKILL to the child's whole process group.
    private func timeOut() {
        guard case .signalled(let at, let sent) = stop else { return }
        try? signalProcessGroup(child, Signal.kill)
        stop = .killed(at: at)
        log.warning(
            "stop: \(name) (pid \(child)) has not ended \(formatDuration(profile.stopTimeout ?? 0)) "
                + "after \(signalName(sent)): sent SIGKILL to its process group (exit 137)")
    }

    /// Reaps every child that has ended; when it is the command, logs how and ends the loop.
    private func reap() {
        while let (pid, ended) = reapWithoutBlocking(-1) {
            guard pid == child else {
                log.debug("reaped orphan pid \(pid) (\(ended))")
                continue
            }
            status = ended
            switch stop {
            case .running:
                log.info("\(command[0]) (pid \(child)) ended: \(ended)")
            case .draining(let since, _):
                log.info(
                    "stop: \(name) ended by itself \(formatDuration(monotonicNanoseconds() - since)) "
                        + "into the drain: \(ended)")
            case .signalled(let at, _), .killed(let at):
                log.info(
                    "stop: \(name) ended after \(formatDuration(monotonicNanoseconds() - at)): "
                        + "\(ended)")
            }
            loop.finish()
            // Orphans that are zombies already are reaped before the exit, as tini does.
            while let (orphan, how) = reapWithoutBlocking(-1) {
                log.debug("reaped orphan pid \(orphan) (\(how))")
            }
            return
        }
    }

    /// `SIGTERM`, or `SIGTERM as SIGQUIT` when the map rewrote it.
    private func describe(_ signal: Int32, as sent: Int32) -> String {
        sent == signal ? signalName(signal) : "\(signalName(signal)) as \(signalName(sent))"
    }
}
