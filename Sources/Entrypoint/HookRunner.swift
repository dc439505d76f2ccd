import Platform

/// Runs hooks one at a time: `posix_spawn` with a clean signal state in a process group of their own,
/// a deadline (`--hook-timeout`: SIGTERM, then SIGKILL, exit 124), and SIGTERM/SIGINT of the entrypoint
/// ending the running hook at once (SIGTERM to its group, SIGKILL after `abortGrace`), so that start-up
/// aborts within 100 ms and no hook is left running.
///
/// The hook's group gets the signals, not only the hook: a shell script's `sleep` or a migration's
/// worker processes end with it. The loop sleeps in `poll` on the signal pipe, which SIGCHLD wakes.
struct HookRunner {
    /// The deadline of each hook, in nanoseconds; nil for none.
    var timeout: UInt64?
    /// How long a timed-out hook has between SIGTERM and SIGKILL.
    var killGrace: UInt64 = 5_000_000_000
    /// How long a hook has between SIGTERM and SIGKILL when start-up is aborted (the abort must end
    /// within 100 ms of the signal).
    var abortGrace: UInt64 = 40_000_000
    /// Where progress goes.
    var log: Log

    /// Runs `hook` with `environment` and waits for it; throws unless it exits with status 0.
    ///
    /// `hook.name` is what the lines and errors quote: the caller redacts it (`Log.redact(command:)`).
    func run(_ hook: Hook, environment: Environment) throws(EntrypointError) {
        if let signal = Interruption.check() { throw .interrupted(signal: signal) }
        let pid: Int32
        do throws(ExecFailure) {
            pid = try startCommand(hook.arguments, environment: environment)
        } catch {
            var failure = error
            failure.path = log.redact(command: failure.path)
            throw .hookNotStarted(hook: hook.name, failure)
        }
        handTerminal(to: pid)
        defer { takeTerminalBack(from: pid) }

        let start = monotonicNanoseconds()
        let deadline = timeout.map { start + $0 }
        var killAt: UInt64?
        var timedOut = false
        var abort: Int32?
        while true {
            if let (_, status) = reapWithoutBlocking(pid) {
                reapOrphans()
                if abort != nil || timedOut {
                    // Whatever the hook left in its group goes too.
                    try? signalProcessGroup(pid, Signal.kill)
                }
                if let abort { throw .interrupted(signal: abort) }
                if timedOut {
                    throw .hookTimedOut(hook: hook.name, seconds: Double(timeout ?? 0) / 1e9)
                }
                let elapsed = Double(monotonicNanoseconds() - start) / 1e9
                guard status == .exited(0) else { throw .hookFailed(hook: hook.name, status) }
                log.info("hook '\(hook.name)' done in \(formatSeconds(elapsed))")
                return
            }
            let now = monotonicNanoseconds()
            let signal = Interruption.check()
            if abort == nil, let signal {
                abort = signal
                log.debug("ending hook '\(hook.name)' (pid \(pid)): \(signalName(signal)) received")
                try? signalProcessGroup(pid, Signal.terminate)
                killAt = min(killAt ?? .max, now + abortGrace)
            }
            if !timedOut, abort == nil, let deadline, now >= deadline {
                timedOut = true
                log.warning(
                    "ending hook '\(hook.name)' (pid \(pid)): past its timeout; SIGTERM, then "
                        + "SIGKILL after \(formatSeconds(Double(killGrace) / 1e9))")
                try? signalProcessGroup(pid, Signal.terminate)
                killAt = now + killGrace
            }
            if let at = killAt, now >= at {
                try? signalProcessGroup(pid, Signal.kill)
                killAt = nil
            }
            var wake = now + 1_000_000_000
            if let deadline, !timedOut { wake = min(wake, deadline) }
            if let killAt { wake = min(wake, killAt) }
            let milliseconds = wake > now ? Int32(min((wake - now + 999_999) / 1_000_000, 1000)) : 0
            try? SignalPipe.wait(milliseconds: milliseconds)
        }
    }

    /// Reaps children that are not the hook: processes a hook left behind are re-parented to the
    /// entrypoint when it is PID 1, and would stay zombies until the server (which does not know
    /// them) reaps them.
    private func reapOrphans() {
        while let (pid, status) = reapWithoutBlocking(-1) {
            log.debug("reaped orphan pid \(pid) (\(status))")
        }
    }
}
