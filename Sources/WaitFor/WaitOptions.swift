/// How a wait runs and how its events are shown.
///
/// The default schedule probes each target every 50 ms for the first 10 s of the wait (a listener that
/// appears is seen within 50 ms, and never more than 20 probes a second), then 1.5 times less often
/// each attempt, up to once a second, so that a long wait stays gentle on the network and the server.
public struct WaitOptions: Sendable, Equatable {
    /// 60 s: the whole wait, unless a target has its own `?timeout=`.
    public static let defaultTimeout: UInt64 = 60_000_000_000
    /// 1 s: one attempt (name resolution, connect, protocol exchange).
    public static let defaultConnectTimeout: UInt64 = 1_000_000_000
    /// 50 ms: the shortest interval between two attempts on one target (at most 20 a second).
    public static let minimumInterval: UInt64 = 50_000_000
    /// 1 s: where the default schedule's interval stops growing.
    public static let slowestDefaultInterval: UInt64 = 1_000_000_000
    /// 10 s: how long the default schedule keeps the fastest interval.
    public static let fastPhase: UInt64 = 10_000_000_000

    /// The wait's deadline, from its start, in nanoseconds; nil waits forever.
    public var timeout: UInt64?
    /// A fixed interval between the starts of two attempts on one target (at least
    /// `minimumInterval`); nil follows the default schedule.
    public var interval: UInt64?
    /// The time one attempt may take: resolution, connect and protocol exchange.
    public var connectTimeout: UInt64
    /// How `logLine(for:tool:)` renders events.
    public var logFormat: WaitLogFormat
    /// When set, `logLine(for:tool:)` keeps only warnings and errors.
    public var quiet: Bool

    /// Creates options; every parameter has the command line's default.
    public init(
        timeout: UInt64? = defaultTimeout, interval: UInt64? = nil,
        connectTimeout: UInt64 = defaultConnectTimeout, logFormat: WaitLogFormat = .text,
        quiet: Bool = false
    ) {
        self.timeout = timeout
        self.interval = interval
        self.connectTimeout = connectTimeout
        self.logFormat = logFormat
        self.quiet = quiet
    }

    /// The line to print for `event` (without newline) in `logFormat`, or nil when `quiet` hides it.
    ///
    /// Text: `wait-for: info: db:5432 ready after 2.31s, 7 attempts`; JSON: one object per line.
    public func logLine(for event: WaitEvent, tool: String) -> String? {
        if quiet && event.level == .info { return nil }
        switch logFormat {
        case .text: return "\(tool): \(event.level.rawValue): \(event.message)"
        case .json: return event.jsonLine(tool: tool)
        }
    }

    /// The interval after an attempt that started `elapsed` nanoseconds into the wait, when the
    /// previous interval was `previous` (nil for the first).
    func nextInterval(elapsed: UInt64, previous: UInt64?) -> UInt64 {
        if let interval { return min(max(interval, Self.minimumInterval), DurationFormat.maximum) }
        guard elapsed >= Self.fastPhase, let previous else { return Self.minimumInterval }
        return min(previous + previous / 2, Self.slowestDefaultInterval)
    }
}
