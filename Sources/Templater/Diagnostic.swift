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

    /// The printed lines: the diagnostic, then one line per note.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        var text = "\(prefix)\(severity.rawValue): \(message)"
        for note in notes {
            text += "\n\(prefix)note: \(note)"
        }
        return text
    }
}
