import Platform

/// The one log line of a reload: what changed, the check's result, the signal sent, how long it took.
///
/// `reload: 2 templates changed, nginx -t ok, SIGHUP to nginx (pid 7), 41 ms`
/// `reload: 1 template changed, nginx -t failed (exit status 1), previous files restored, nginx not
/// signalled, 35 ms`
struct ReloadReport: Equatable, Sendable {
    /// How the reload ended.
    enum Result: Equatable, Sendable {
        /// The new files are in place and the server was signalled.
        case applied(signal: Int32, pid: Int32)
        /// Every output rendered to the bytes it already had: nothing rewritten, checked or signalled.
        case unchanged
        /// A template failed to render (its diagnostics are logged before): nothing was written.
        case renderFailed
        /// The check rejected the new files; the previous ones are back.
        case rejected
        /// The previous files could not all be put back (the reason); the server was not signalled.
        case restoreFailed(String)
    }

    /// How many outputs got new bytes.
    var changedOutputs: Int
    /// The check's command as written and how it ended; nil when no `--reload-check` is set or it
    /// did not run.
    var check: (name: String, outcome: ReloadCheck.Outcome)?
    /// The server's program name (`nginx`).
    var program: String
    /// How it ended.
    var result: Result
    /// How long the reload took, from the end of the debounce to the signal, in nanoseconds.
    var nanoseconds: UInt64

    static func == (left: ReloadReport, right: ReloadReport) -> Bool {
        left.line == right.line
    }

    /// Whether the line is an error (the reload was refused) rather than information.
    var isFailure: Bool {
        switch result {
        case .applied, .unchanged: return false
        case .renderFailed, .rejected, .restoreFailed: return true
        }
    }

    /// The line, without the `entrypoint: info: ` prefix.
    var line: String {
        var parts: [String] = []
        switch result {
        case .unchanged:
            parts.append("no output changed")
        case .renderFailed:
            parts.append("render failed")
        case .applied, .rejected, .restoreFailed:
            parts.append("\(changedOutputs) template\(changedOutputs == 1 ? "" : "s") changed")
        }
        if let check {
            parts.append("\(check.name) \(check.outcome)")
        } else if case .applied = result {
            parts.append("no check")
        }
        switch result {
        case .applied(let signal, let pid):
            parts.append("\(signalName(signal)) to \(program) (pid \(pid))")
        case .unchanged:
            parts.append("\(program) not signalled")
        case .renderFailed:
            parts.append("previous files kept, \(program) not signalled")
        case .rejected:
            parts.append("previous files restored, \(program) not signalled")
        case .restoreFailed(let reason):
            parts.append("previous files NOT all restored (\(reason)), \(program) not signalled")
        }
        let milliseconds = (nanoseconds + 500_000) / 1_000_000
        parts.append("\(milliseconds) ms")
        return "reload: " + parts.joined(separator: ", ")
    }
}
