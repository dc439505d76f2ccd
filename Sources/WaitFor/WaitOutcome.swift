import Platform

/// How a wait (or a single probe round) ended.
public enum WaitOutcome: Sendable, Equatable {
    /// Every target is ready.
    case ready
    /// These targets were not ready at their deadline (a wait) or after their one attempt (`--once`).
    case notReady([TargetFailure])
    /// A target answered in a way that waiting cannot fix (MySQL error 1129, host blocked).
    case unavailable(TargetFailure)
    /// SIGTERM, SIGINT (or another signal routed to `SignalPipe`) arrived during the wait.
    case interrupted(signal: Int32)

    /// The exit code of a wait (README.md, "Exit codes"): 0, 124 (not ready in time), 69 (unavailable) or 128+n.
    ///
    /// `--once` and health checks use `probeExitCode` instead.
    public var exitCode: Int32 {
        switch self {
        case .ready: return ExitCode.success
        case .notReady: return ExitCode.timeout
        case .unavailable: return ExitCode.unavailable
        case .interrupted(let signal): return ExitCode.signaled(signal)
        }
    }

    /// The exit code of a single probe round (`wait-for --once`, `entrypoint healthcheck`): 0 when
    /// ready, 128+n when interrupted, 1 otherwise (Docker's HEALTHCHECK reads 0 and 1 only).
    public var probeExitCode: Int32 {
        switch self {
        case .ready: return ExitCode.success
        case .interrupted(let signal): return ExitCode.signaled(signal)
        case .notReady, .unavailable: return ExitCode.failure
        }
    }
}
