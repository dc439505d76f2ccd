import Platform

/// The entrypoint's log: one line per event, filtered by level, with every known secret value
/// replaced by `<redacted>` before a line leaves the library.
///
/// The library never prints: the CLI passes `write` (stderr), tests pass a closure that collects lines
/// (swift-log's in-memory handler). Secret values are added as they become known (`_FILE` secrets,
/// variables named like secrets, values written by hooks) and are redacted from every later line,
/// whatever its level, so that a message quoting a path or an argument cannot leak one.
public final class Log {
    /// The most detailed level written.
    public let level: LogLevel
    private let write: (LogLevel, String) -> Void
    private var secrets: [String] = []

    /// Creates a log that passes lines at `level` or more important to `write`.
    public init(level: LogLevel, write: @escaping (LogLevel, String) -> Void) {
        self.level = level
        self.write = write
    }

    /// Adds values to redact from every later line (empty values are ignored).
    public func addSecrets<S: Sequence>(_ values: S) where S.Element == String {
        for value in values where !value.isEmpty && !secrets.contains(value) {
            secrets.append(value)
        }
        // Longest first, so that a secret containing another is redacted whole.
        secrets.sort { $0.utf8.count > $1.utf8.count }
    }

    /// `message` with every secret value replaced by `<redacted>`.
    public func redact(_ message: String) -> String {
        // Platform's byte search: String.contains(String) lives in _StringProcessing, whose regex
        // engine and Unicode tables would add over 1 MB to the static binary.
        var text = message
        for secret in secrets where text.containsText(secret) {
            text = text.replacingText(secret, with: "<redacted>")
        }
        return text
    }

    /// Writes `message` at `level` if the log's level lets it through.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard level <= self.level else { return }
        write(level, redact(message()))
    }

    /// Writes an error line.
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    /// Writes a warning line.
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    /// Writes an info line.
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    /// Writes a debug line.
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
}
