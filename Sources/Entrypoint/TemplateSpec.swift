/// One `--template SRC:DEST`: a template file or directory and where it is rendered to.
public struct TemplateSpec: Equatable, Sendable, CustomStringConvertible {
    /// The template file, or a directory of templates (rendered recursively, the suffix stripped).
    public var source: String
    /// The output file, or the output directory for a directory of templates.
    public var destination: String

    /// A job from its parts.
    public init(source: String, destination: String) {
        self.source = source
        self.destination = destination
    }

    /// Parses `SRC:DEST` (split at the first `:`); `origin` names the flag or variable in errors.
    public init(parsing text: String, origin: String) throws(EntrypointError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw .usage("\(origin): '\(text)' is not SRC:DEST")
        }
        let source = String(text[..<colon])
        let destination = String(text[text.index(after: colon)...])
        guard !source.isEmpty, !destination.isEmpty else {
            throw .usage("\(origin): '\(text)' is not SRC:DEST")
        }
        self.init(source: source, destination: destination)
    }

    public var description: String { "\(source) -> \(destination)" }
}
