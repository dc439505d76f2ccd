import Platform

/// The entrypoint's log: one line per event, filtered by level, and the redaction of secret values
/// where they stand as values.
///
/// The library never prints: the CLI passes `write` (stderr), tests pass a closure that collects lines
/// (swift-log's in-memory handler). Secret values are added as they become known (`_FILE` secrets,
/// variables named like secrets, values written by hooks).
///
/// Redaction is not a search-and-replace over whole lines: with `POSTGRES_PASSWORD=postgres` that
/// turned `waiting for postgres://db:5432` into `waiting for <redacted>://db:5432` (telling the
/// reader the password), and `DB_PASSWORD=e` mangled every line. The tool's own words, the targets
/// (WaitFor hides URL passwords itself) and the template diagnostics (the Templater prints `***`
/// for secrets) are never touched. What is redacted is the text a user wrote that the line quotes —
/// a command line, a hook, a program path — and there only where a secret stands as a value: a whole
/// word, a quoted string, the value of `NAME=`/`--flag=`/`-p`, a URL's password, a path's last
/// component (`redact(command:)`).
public final class Log {
    /// The most detailed level written.
    public let level: LogLevel
    private let write: (LogLevel, String) -> Void
    private var secrets: [[UInt8]] = []

    /// Creates a log that passes lines at `level` or more important to `write`.
    public init(level: LogLevel, write: @escaping (LogLevel, String) -> Void) {
        self.level = level
        self.write = write
    }

    /// Adds values to redact from every later quoted command (empty values are ignored).
    public func addSecrets<S: Sequence>(_ values: S) where S.Element == String {
        for value in values where !value.isEmpty && !secrets.contains(Array(value.utf8)) {
            secrets.append(Array(value.utf8))
        }
        // Longest first, so that a secret containing another is redacted whole.
        secrets.sort { $0.count > $1.count }
    }

    /// `text`, a command line or a path as the user wrote it, with every secret value that stands
    /// there as a value replaced by `<redacted>`.
    ///
    /// An occurrence counts when it starts at the start, after a blank, a quote, `=`, `(`, `,`, `;`,
    /// `|`, `&`, `<`, `>`, after the `:` of a URL's `user:` (then it may end at `@`), after a short
    /// option (`-p`), or after a `/` of a path-like word (one starting with `/`, `.` or `~`); and when
    /// it ends at the end, before a blank, a quote, `)`, `,`, `;`, `|`, `&`, `<`, `>`, or before a
    /// `:` that ends a word. Inside other words (`postgres://`, `1/1`, `entrypoint`) it does not.
    public func redact(command text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for secret in secrets where secret.count <= bytes.count {
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count)
            var index = 0
            while index < bytes.count {
                if bytes[index] == secret[0], index + secret.count <= bytes.count,
                    bytes[index..<index + secret.count].elementsEqual(secret),
                    let start = Self.valueStart(bytes, index),
                    Self.isValueEnd(bytes, index + secret.count, userinfo: start == .userinfo)
                {
                    result += Self.marker
                    index += secret.count
                    changed = true
                } else {
                    result.append(bytes[index])
                    index += 1
                }
            }
            bytes = result
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// Each of `words` (an argv) redacted as `redact(command:)` does.
    public func redact(words: [String]) -> [String] {
        secrets.isEmpty ? words : words.map { redact(command: $0) }
    }

    /// Writes `message` at `level` if the log's level lets it through.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard level <= self.level else { return }
        write(level, message())
    }

    /// Writes an error line.
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    /// Writes a warning line.
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    /// Writes an info line.
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    /// Writes a debug line.
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }

    // MARK: - Value positions

    private static let marker = Array("<redacted>".utf8)

    /// What comes before an occurrence that stands as a value.
    private enum Start { case word, userinfo }

    /// Bytes that delimit words of a command line.
    private static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"),
            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            return true
        default:
            return false
        }
    }

    /// Whether an occurrence at `index` starts where a value starts, and how.
    private static func valueStart(_ bytes: [UInt8], _ index: Int) -> Start? {
        if index == 0 { return .word }
        let before = bytes[index - 1]
        if isDelimiter(before) || before == UInt8(ascii: "=") { return .word }
        // The start of the word holding the occurrence.
        var wordStart = index
        while wordStart > 0 && !isDelimiter(bytes[wordStart - 1]) { wordStart -= 1 }
        // A short option with its value attached: `-pSECRET`.
        if index - wordStart == 2 && bytes[wordStart] == UInt8(ascii: "-")
            && isLetter(bytes[wordStart + 1])
        {
            return .word
        }
        // A path's component: `/run/secrets/SECRET`.
        if before == UInt8(ascii: "/") && index > wordStart
            && [UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "~")].contains(bytes[wordStart])
        {
            return .word
        }
        // A URL's password: `scheme://user:SECRET@`.
        if before == UInt8(ascii: ":") {
            var user = index - 1
            while user > wordStart
                && ![UInt8(ascii: "/"), UInt8(ascii: "@"), UInt8(ascii: ":")]
                    .contains(bytes[user - 1])
            {
                user -= 1
            }
            if user - wordStart >= 3 && bytes[user - 1] == UInt8(ascii: "/")
                && bytes[user - 2] == UInt8(ascii: "/") && bytes[user - 3] == UInt8(ascii: ":")
            {
                return .userinfo
            }
        }
        return nil
    }

    /// Whether an occurrence ending at `end` ends where a value ends.
    private static func isValueEnd(_ bytes: [UInt8], _ end: Int, userinfo: Bool) -> Bool {
        if end == bytes.count || isDelimiter(bytes[end]) { return true }
        if userinfo && bytes[end] == UInt8(ascii: "@") { return true }
        // `PATH: command not found`, but not `postgres://` nor `host:5432`.
        return bytes[end] == UInt8(ascii: ":")
            && (end + 1 == bytes.count || isDelimiter(bytes[end + 1]))
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }
}
