/// One problem found in a template or its inputs, printed compiler-style:
/// `templates/nginx.conf.template:12:9: error: variable BACKEND_HOST is not set`, then its notes.
public struct Diagnostic: Equatable, Sendable, CustomStringConvertible {
    /// How serious the problem is.
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    /// Error or warning.
    public var severity: Severity
    /// Where it is; nil for problems of the whole run (e.g. an allowed name never used).
    public var location: SourceLocation?
    /// What is wrong. Never contains a variable's value.
    public var message: String
    /// Hints, each printed as a `note:` line at the same location.
    public var notes: [String]

    /// Creates a diagnostic.
    public init(
        _ severity: Severity, at location: SourceLocation?, _ message: String, notes: [String] = []
    ) {
        self.severity = severity
        self.location = location
        self.message = message
        self.notes = notes
    }

    /// The printed lines: the diagnostic, then one line per note, each made `printable`.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        var text = "\(prefix)\(severity.rawValue): \(Diagnostic.printable(message))"
        for note in notes {
            text += "\n\(prefix)note: \(Diagnostic.printable(note))"
        }
        return text
    }

    /// The longest run of non-blank characters a printed diagnostic shows whole; a longer one (a
    /// 2 MB name, an excerpt of a line without blanks) is cut to its first `excerptLength` and `…`.
    public static let wordLimit = 120
    /// What is left of a word longer than `wordLimit`.
    public static let excerptLength = 60

    /// `text` as it may reach a terminal or a log: control characters (C0, DEL, C1: a NUL, an ESC
    /// that would recolour the terminal, a CR that would overwrite the line) shown as `\xNN`, and
    /// every run of characters without a blank or a comma longer than `wordLimit` cut (see there). Applied once,
    /// where a diagnostic is printed, so that every message and note of every producer gets it.
    public static func printable(_ text: String) -> String {
        printable(text, cutting: true)
    }

    /// `text` with its control characters shown as `\xNN`, nothing cut: for paths and option values
    /// in the messages of `TemplaterError` (a path is at most `PATH_MAX` long, and must show whole).
    public static func escapingControls(_ text: String) -> String {
        printable(text, cutting: false)
    }

    private static func printable(_ text: String, cutting: Bool) -> String {
        var result = ""
        var word: [Unicode.Scalar] = []
        func flush() {
            if cutting && word.count > wordLimit {
                result.unicodeScalars.append(contentsOf: word.prefix(excerptLength))
                result += "…"
            } else {
                result.unicodeScalars.append(contentsOf: word)
            }
            word.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || (value >= 0x7F && value < 0xA0) {
                let hex = String(value, radix: 16, uppercase: true)
                word.append(contentsOf: ("\\x" + (hex.count == 1 ? "0" : "") + hex).unicodeScalars)
            } else if scalar == " " || scalar == "," {
                flush()
                result.unicodeScalars.append(scalar)
            } else {
                word.append(scalar)
            }
        }
        flush()
        return result
    }
}
