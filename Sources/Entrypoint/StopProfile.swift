import Platform

/// How `--init` stops its child when the orchestrator says so: which signal starts the stop, what it
/// is forwarded as, how long the server keeps serving first, how long it may take to end, and
/// whether signals reach its whole process group.
///
/// Kubernetes and Swarm stop a container with SIGTERM and, after the grace period, SIGKILL. With
/// `--stop-delay 5s --signal-map TERM:QUIT --stop-timeout 20s`, nginx keeps serving for 5 s (while
/// the endpoint is removed from the load balancers), then gets its graceful SIGQUIT, and is killed
/// with its whole process group if it is still running 20 s later: 25 s in all, inside a 30 s grace
/// period.
public struct StopProfile: Equatable, Sendable {
    /// `--signal-group`: every forwarded signal goes to the child's process group (tini `-g`), so
    /// the grandchildren of a shell-wrapped server get it too.
    public var signalGroup = false
    /// `--signal-map`: the rewriting applied to every forwarded signal.
    public var signalMap = SignalMap()
    /// `--stop-signal`: the signal that starts the stop (SIGTERM, what orchestrators send).
    public var stopSignal: Int32 = Signal.terminate
    /// `--stop-delay`: how long the child keeps serving after the stop signal arrived, before it is
    /// forwarded (nanoseconds; 0 forwards at once).
    public var stopDelay: UInt64 = 0
    /// `--stop-timeout`: how long after the forwarded stop signal the child's process group is
    /// killed with SIGKILL (nanoseconds); nil waits for as long as the child takes.
    public var stopTimeout: UInt64?

    /// Forward every signal unchanged to the child alone, at once, and wait for it however long.
    public init() {}

    /// Whether any of the stop options differs from plain `--init`.
    public var isPlain: Bool { self == StopProfile() }

    /// `stop: SIGTERM → SIGQUIT after 5s, SIGKILL 20s later; signals to the process group`, for the
    /// dry run.
    public var summary: String {
        var text = "\(signalName(stopSignal))"
        let mapped = signalMap.mapped(stopSignal)
        if mapped != stopSignal { text += " -> \(signalName(mapped))" }
        text += stopDelay > 0 ? " after \(formatDuration(stopDelay))" : " at once"
        if let stopTimeout {
            text += ", SIGKILL to its process group \(formatDuration(stopTimeout)) later"
        }
        if signalGroup { text += "; signals to the process group" }
        let others = signalMap.entries.filter { $0.key != stopSignal }
        if !others.isEmpty {
            text += "; map \(SignalMap(others).description)"
        }
        return text
    }
}

/// `5s`, `500ms`, `1.5s`: nanoseconds as the stop log lines print them (`formatSeconds` without a
/// trailing zero in the fraction).
func formatDuration(_ nanoseconds: UInt64) -> String {
    var text = formatSeconds(Double(nanoseconds) / 1e9)
    if text.hasSuffix("0s") && text.contains(".") {
        text.removeLast(2)
        text += "s"
    }
    return text
}
