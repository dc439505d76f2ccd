/// How much the entrypoint says on stderr (`--log-level`, `ENTRYPOINT_LOG_LEVEL`).
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    /// Only what stops start-up.
    case error
    /// Also what may be a mistake but does not stop start-up (a non-executable file in the hooks dir).
    case warning
    /// Also one line per phase (the default).
    case info
    /// Also the details: hook arguments, variables set by hooks (names only), reaped orphans.
    case debug

    /// The name used in log lines and in `--log-level`.
    public var name: String {
        switch self {
        case .error: return "error"
        case .warning: return "warning"
        case .info: return "info"
        case .debug: return "debug"
        }
    }

    /// The level named `name` (`warn` is accepted for `warning`), or nil.
    public init?(name: String) {
        switch name {
        case "error": self = .error
        case "warning", "warn": self = .warning
        case "info": self = .info
        case "debug": self = .debug
        default: return nil
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
