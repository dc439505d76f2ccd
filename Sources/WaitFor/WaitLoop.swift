import Platform

/// Waits until every target is ready, all in parallel, under the deadline of `options.timeout` (or
/// each target's own `?timeout=`).
///
/// Runs on the calling thread: one `poll` loop over non-blocking sockets (no Dispatch, no Swift
/// concurrency, whose threads block signals). Name resolution runs on short-lived helper threads so
/// that a hanging resolver cannot delay the deadline. If `SignalPipe` is installed, its descriptor is
/// polled too and a signal ends the wait at once with `.interrupted`.
///
/// - Parameters:
///   - log: receives one event per state change (see `WaitEvent`); the library never prints.
/// - Returns: `.ready`, `.notReady` (timed out, with every unready target and its last error),
///   `.unavailable` (MySQL 1129) or `.interrupted(signal:)`. It returns no later than a few
///   milliseconds after the deadline.
public func waitUntilReady(
    _ targets: [Target], options: WaitOptions, log: (WaitEvent) -> Void
) -> WaitOutcome {
    withoutActuallyEscaping(log) { log in
        WaitLoop(targets: targets, options: options, once: false, log: log).run()
    }
}

/// Probes every target once, in parallel (each attempt bounded by `options.connectTimeout`): for
/// `wait-for --once` and `entrypoint healthcheck`.
///
/// - Returns: `.ready` when every target answered ready; `.notReady` with the failures otherwise
///   (`--once` exits 1); `.unavailable` (also exit 1 for a health check) or `.interrupted(signal:)`.
public func probeOnce(
    _ targets: [Target], options: WaitOptions, log: (WaitEvent) -> Void
) -> WaitOutcome {
    withoutActuallyEscaping(log) { log in
        WaitLoop(targets: targets, options: options, once: true, log: log).run()
    }
}

/// The poll loop behind `waitUntilReady` and `probeOnce`.
final class WaitLoop {
    private let options: WaitOptions
    private let once: Bool
    private let log: (WaitEvent) -> Void
    private let start: UInt64
    private let probes: [TargetProbe]

    init(targets: [Target], options: WaitOptions, once: Bool, log: @escaping (WaitEvent) -> Void) {
        self.options = options
        self.once = once
        self.log = log
        let start = monotonicNanoseconds()
        self.start = start
        probes = targets.map { target in
            // A timeout of 0 (global or per target) means no timeout, as for wait-for-it.
            // Durations are capped at DurationFormat.maximum, so no sum below can overflow.
            let timeout = (target.timeout ?? options.timeout).map {
                min($0, DurationFormat.maximum)
            }
            let deadline = timeout.flatMap { $0 == 0 ? nil : start + $0 }
            return TargetProbe(
                target: target, deadline: once ? nil : deadline,
                connectTimeout: min(max(options.connectTimeout, 1_000_000), DurationFormat.maximum),
                start: start)
        }
    }

    func run() -> WaitOutcome {
        defer { for probe in probes { probe.close() } }
        if !once {
            for probe in probes {
                let timeout = probe.deadline.map { "timeout \(DurationFormat.format($0 - start))" }
                emit(
                    .waiting, .info, probe,
                    "waiting for \(probe.target) (\(timeout ?? "no timeout"))", reason: nil)
            }
        }
        while true {
            let now = monotonicNanoseconds()
            for probe in probes
            where probe.status == .waiting && !probe.isAttempting && now >= probe.nextStart
                && !(once && isRoundOver(probe))
            {
                probe.startAttempt(now: now)
            }
            for probe in probes {
                guard let verdict = probe.finishedAttempt(now: now) else { continue }
                if let outcome = settle(probe, verdict, now: now) { return outcome }
            }
            if probes.allSatisfy({ $0.status == .ready }) { return .ready }
            if once,
                probes.allSatisfy({ $0.status == .ready || isRoundOver($0) && !$0.isAttempting })
            {
                return .notReady(failures())
            }
            if probes.contains(where: {
                $0.status == .waiting && $0.deadline.map { now >= $0 } == true
            }) {
                return timedOut(now: now)
            }
            if let signal = sleep(now: now) {
                emit(
                    .interrupted, .warning, nil, "interrupted by \(signalName(signal))",
                    reason: nil)
                return .interrupted(signal: signal)
            }
        }
    }

    /// Records a finished attempt; returns the outcome when it ends the wait (unavailable).
    private func settle(_ probe: TargetProbe, _ verdict: Verdict, now: UInt64) -> WaitOutcome? {
        let attemptStart = probe.lastAttemptStart
        switch verdict {
        case .ready where probe.consecutiveReady + 1 < probe.target.stable:
            // `?stable=N`: not yet N in a row; one line when a run of ready answers starts.
            probe.consecutiveReady += 1
            if probe.consecutiveReady == 1 {
                let reason =
                    "answered ready, waiting for \(probe.target.stable) ready answers in a row"
                probe.lastError = reason
                probe.lastLoggedError = reason
                emit(
                    .notReady, .info, probe, "\(probe.target) not ready: \(reason)", reason: reason)
            }
            schedule(probe, attemptStart: attemptStart, now: now)
        case .ready(let detail, let warning):
            probe.consecutiveReady += 1
            probe.settle(.ready)
            let count = probe.attempts == 1 ? "1 attempt" : "\(probe.attempts) attempts"
            let stable =
                probe.target.stable > 1 ? ", \(probe.target.stable) ready in a row" : ""
            let extra = detail.map { " (\($0))" } ?? ""
            emit(
                .ready, warning ? .warning : .info, probe,
                "\(probe.target) ready after \(DurationFormat.seconds(now - start)), "
                    + "\(count)\(stable)\(extra)",
                reason: detail)
        case .notReady(let reason):
            probe.lastError = reason
            probe.consecutiveReady = 0
            probe.failedOnce = true
            if once {
                emit(
                    .notReady, .error, probe, "\(probe.target) not ready: \(reason)", reason: reason
                )
            } else if reason != probe.lastLoggedError {
                probe.lastLoggedError = reason
                emit(
                    .notReady, .info, probe, "\(probe.target) not ready: \(reason)", reason: reason)
            }
            schedule(probe, attemptStart: attemptStart, now: now)
        case .unavailable(let reason):
            probe.lastError = reason
            probe.settle(.unavailable)
            emit(
                .unavailable, .error, probe, "\(probe.target) is unavailable: \(reason)",
                reason: reason)
            return .unavailable(
                TargetFailure(target: probe.target, reason: reason, attempts: probe.attempts))
        }
        return nil
    }

    /// Sets when `probe`'s next attempt may start, by the schedule of `options`.
    private func schedule(_ probe: TargetProbe, attemptStart: UInt64, now: UInt64) {
        let interval = options.nextInterval(elapsed: attemptStart - start, previous: probe.interval)
        probe.interval = interval
        probe.nextStart = max(attemptStart + interval, now)
    }

    /// Whether a `--once` round is over for `probe`: an attempt was not ready, or it made the
    /// attempts its `?stable=N` asks for (N in a row at the probe interval).
    private func isRoundOver(_ probe: TargetProbe) -> Bool {
        probe.failedOnce || probe.attempts >= probe.target.stable
    }

    /// Ends the wait at a deadline: every unready target is reported with its last error.
    private func timedOut(now: UInt64) -> WaitOutcome {
        for probe in probes where probe.status == .waiting {
            if let verdict = probe.abandonAttempt(now: now), case .notReady(let reason) = verdict,
                probe.lastError == nil
            {
                probe.lastError = reason
            }
            let count = probe.attempts == 1 ? "1 attempt" : "\(probe.attempts) attempts"
            let reason = probe.lastError ?? "no attempt finished"
            emit(
                .timedOut, .error, probe,
                "\(probe.target) still not ready after \(DurationFormat.seconds(now - start)) "
                    + "(\(count)); last error: \(reason)", reason: reason)
        }
        return .notReady(failures())
    }

    private func failures() -> [TargetFailure] {
        probes.filter { $0.status != .ready }.map {
            TargetFailure(
                target: $0.target, reason: $0.lastError ?? "no attempt finished",
                attempts: $0.attempts)
        }
    }

    /// Polls every descriptor until the next timer; returns a signal if one arrived.
    private func sleep(now: UInt64) -> Int32? {
        var requests: [PollRequest] = []
        var owners: [TargetProbe?] = []
        let signals = SignalPipe.readDescriptor
        if signals >= 0 {
            requests.append(PollRequest(signals, .readable))
            owners.append(nil)
        }
        var wake: UInt64?
        for probe in probes {
            for request in probe.pollRequests() {
                requests.append(request)
                owners.append(probe)
            }
            if let time = probe.wakeTime { wake = min(wake ?? time, time) }
        }
        var milliseconds: Int32 = -1
        if let wake {
            let left = wake > now ? wake - now : 0
            milliseconds = Int32(min((left + 999_999) / 1_000_000, 60_000))
        }
        // A failed poll (ENOMEM) finds nothing: the loop looks at its timers and polls again.
        _ = try? poll(&requests, milliseconds: milliseconds)
        for (index, entry) in requests.enumerated() where !entry.returned.isEmpty {
            guard let probe = owners[index] else {
                if let signal = SignalPipe.received() { return signal }
                continue
            }
            probe.handle(descriptor: entry.descriptor, revents: entry.returned)
        }
        return nil
    }

    private func emit(
        _ kind: WaitEvent.Kind, _ level: WaitEvent.Level, _ probe: TargetProbe?, _ message: String,
        reason: String?
    ) {
        log(
            WaitEvent(
                kind: kind, level: level, target: probe.map { "\($0.target)" }, message: message,
                elapsed: monotonicNanoseconds() - start, attempts: probe?.attempts ?? 0,
                reason: reason))
    }
}

/// `SIGTERM`, `SIGINT`, or `signal 10`.
func signalName(_ signal: Int32) -> String {
    switch signal {
    case Signal.terminate: return "SIGTERM"
    case Signal.interrupt: return "SIGINT"
    case Signal.hangup: return "SIGHUP"
    case Signal.quit: return "SIGQUIT"
    default: return "signal \(signal)"
    }
}
