/// `templater vars`: every variable the templates reference, nested references included, with where.
public enum VariableLister {
    /// One reference.
    public struct Occurrence: Equatable, Sendable {
        /// The name.
        public var name: String
        /// Where the reference's `$` is.
        public var location: SourceLocation
    }

    /// The references of `sources` (files, directories, `-`) in order; syntax errors are thrown as
    /// diagnostics after the whole scan.
    public static func references(_ sources: [String], suffix: String = ".template")
        throws(TemplaterError)
        -> [Occurrence]
    {
        let files = try TemplateTree.plan(
            sources.map { RenderJob(source: $0, destination: nil) }, suffix: suffix, outputs: false)
        var result: [Occurrence] = []
        var problems: [Diagnostic] = []
        for file in files {
            let input = try file.open()
            var lexer = Lexer(input)
            func location(_ position: Position) -> SourceLocation {
                SourceLocation(path: input.name, line: position.line, column: position.column)
            }
            func collect(_ reference: Reference) {
                result.append(
                    Occurrence(name: reference.name, location: location(reference.position)))
                for word in reference.operation.words {
                    for case .reference(let nested) in word.parts { collect(nested) }
                }
            }
            while true {
                let next: TemplateElement?
                do {
                    next = try lexer.nextElement()
                } catch {
                    throw .input(path: input.name, error)
                }
                guard let element = next else { break }
                switch element {
                case .text, .dollar: break
                case .name(let name, let reference, _):
                    result.append(
                        Occurrence(
                            name: String(decoding: lexer.bytes(name), as: UTF8.self),
                            location: location(lexer.position(at: reference.lowerBound))))
                case .reference(let reference, _):
                    collect(reference)
                case .invalid(let error):
                    problems.append(
                        Diagnostic(
                            .error, at: location(error.position), error.message, notes: error.notes)
                    )
                }
            }
        }
        if !problems.isEmpty { throw .diagnostics(problems) }
        return result
    }
}

extension Operation {
    /// The words of the operation, in source order.
    var words: [Word] {
        switch self {
        case .value, .length, .substring: return []
        case .useDefault(let word, _), .assignDefault(let word, _), .errorIfUnset(let word, _),
            .alternative(let word, _), .removePrefix(let word, _), .removeSuffix(let word, _):
            return [word]
        case .changeCase(_, let pattern): return pattern.map { [$0] } ?? []
        case .replace(let pattern, let replacement, _):
            return [pattern] + (replacement.map { [$0] } ?? [])
        }
    }
}
