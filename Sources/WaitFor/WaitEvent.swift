import Platform

/// One state change during a wait, handed to the caller's log closure (the library never prints).
///
/// A wait emits `waiting` once per target, `notReady` whenever a target's error changes (not on
/// every attempt), `ready` once per target, and at the end `timedOut` for each unready target,
/// `unavailable` or `interrupted`. `message` is the human line; the other fields are for JSON.
public struct WaitEvent: Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable, Equatable {
        /// The wait for a target started.
        case waiting
        /// An attempt failed, with an error different from the previous one.
        case notReady = "not_ready"
        /// The target is ready.
        case ready
        /// The target was still not ready at its deadline.
        case timedOut = "timed_out"
        /// The target answered in a way waiting cannot fix.
        case unavailable
        /// A signal ended the wait.
        case interrupted
    }

    /// How much an operator should care.
    public enum Level: String, Sendable, Equatable {
        /// Progress.
        case info
        /// Ready, but with something worth knowing (PostgreSQL's 53300 too_many_connections).
        case warning
        /// The wait failed.
        case error
    }

    /// What happened.
    public var kind: Kind
    /// How much it matters; `quiet` hides `info`.
    public var level: Level
    /// The target's name (`Target.description`); nil for `interrupted`.
    public var target: String?
    /// The whole human-readable line, e.g. `db:5432 ready after 2.31s, 7 attempts`.
    public var message: String
    /// Nanoseconds since the wait started.
    public var elapsed: UInt64
    /// Attempts made on the target so far.
    public var attempts: Int
    /// The error (not ready, timed out, unavailable) or the detail (ready), when there is one.
    public var reason: String?

    /// Creates an event.
    public init(
        kind: Kind, level: Level, target: String?, message: String, elapsed: UInt64, attempts: Int,
        reason: String?
    ) {
        self.kind = kind
        self.level = level
        self.target = target
        self.message = message
        self.elapsed = elapsed
        self.attempts = attempts
        self.reason = reason
    }

    /// The event as one JSON object (no newline): `time` (UTC, RFC 3339 with milliseconds), `tool`,
    /// `level`, `event`, `target`, `elapsed` (seconds), `attempts`, `reason` (when present) and
    /// `message`.
    public func jsonLine(tool: String, time: String = utcTimestamp()) -> String {
        var fields: [(String, String)] = [
            ("time", jsonString(time)), ("tool", jsonString(tool)),
            ("level", jsonString(level.rawValue)), ("event", jsonString(kind.rawValue)),
        ]
        if let target { fields.append(("target", jsonString(target))) }
        fields.append(("elapsed", DurationFormat.seconds(elapsed).dropLast().description))
        fields.append(("attempts", "\(attempts)"))
        if let reason { fields.append(("reason", jsonString(reason))) }
        fields.append(("message", jsonString(message)))
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}
