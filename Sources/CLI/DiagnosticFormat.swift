import Platform
import Templater

/// How `templater check` prints findings.
public enum DiagnosticFormat: String, CaseIterable {
    /// `path:line:col: error: message`, then `note:` lines: as compilers print.
    case text
    /// One JSON object per finding and line.
    case json
    /// GitHub Actions workflow commands: `::error file=...,line=...,col=...::message`.
    case github

    /// The printed form of `diagnostic`, newline-terminated. Every form shows the same text: control
    /// characters escaped and very long words cut (`Diagnostic.printable`).
    public func format(_ diagnostic: Diagnostic) -> String {
        switch self {
        case .text:
            return diagnostic.description + "\n"
        case .json:
            var fields: [String] = []
            if let location = diagnostic.location {
                fields.append("\"file\":\(jsonString(Diagnostic.printable(location.path)))")
                fields.append("\"line\":\(location.line)")
                fields.append("\"column\":\(location.column)")
            }
            fields.append("\"severity\":\(jsonString(diagnostic.severity.rawValue))")
            fields.append("\"message\":\(jsonString(Diagnostic.printable(diagnostic.message)))")
            let notes = diagnostic.notes.map { jsonString(Diagnostic.printable($0)) }
            fields.append("\"notes\":[\(notes.joined(separator: ","))]")
            return "{\(fields.joined(separator: ","))}\n"
        case .github:
            var properties: [String] = []
            if let location = diagnostic.location {
                properties.append("file=\(githubProperty(Diagnostic.printable(location.path)))")
                properties.append("line=\(location.line)")
                properties.append("col=\(location.column)")
            }
            properties.append("title=templater")
            let message = ([diagnostic.message] + diagnostic.notes.map { "note: \($0)" })
                .map(Diagnostic.printable).joined(separator: "\n")
            return
                "::\(diagnostic.severity.rawValue) \(properties.joined(separator: ","))::\(githubData(message))\n"
        }
    }
}

/// The message part of a GitHub workflow command: `%`, CR and LF escaped.
func githubData(_ text: String) -> String {
    var result = ""
    for character in text.unicodeScalars {
        switch character {
        case "%": result += "%25"
        case "\r": result += "%0D"
        case "\n": result += "%0A"
        default: result.unicodeScalars.append(character)
        }
    }
    return result
}

/// A property value of a GitHub workflow command: as `githubData`, plus `:` and `,`.
func githubProperty(_ text: String) -> String {
    githubData(text).replacingText(":", with: "%3A").replacingText(",", with: "%2C")
}
