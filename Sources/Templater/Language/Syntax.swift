/// The syntax tree of one reference. It knows nothing of the environment: rendering is the only place
/// values are looked up.
public struct Reference: Equatable, Sendable {
    /// The variable's name.
    public var name: String
    /// Whether it was written `${...}` rather than `$NAME`.
    public var braced: Bool
    /// What to do with the value.
    public var operation: Operation
    /// Where the `$` is, relative to the template.
    public var position: Position
    /// The reference's text as written (copied verbatim when it is not selected, or unset under `keep`).
    public var text: [UInt8]

    /// Creates a reference.
    public init(name: String, braced: Bool, operation: Operation, position: Position, text: [UInt8])
    {
        self.name = name
        self.braced = braced
        self.operation = operation
        self.position = position
        self.text = text
    }
}

/// The bash parameter expansions of render mode.
public indirect enum Operation: Equatable, Sendable {
    /// `$N`, `${N}`.
    case value
    /// `${#N}`: the length in characters.
    case length
    /// `${N-w}`, `${N:-w}`: `w` when unset (or, with the colon, empty).
    case useDefault(Word, colon: Bool)
    /// `${N=w}`, `${N:=w}`: as `useDefault`, and assign `w` to N for the rest of the render.
    case assignDefault(Word, colon: Bool)
    /// `${N?w}`, `${N:?w}`: fail with `w` (or bash's message) when unset (or empty).
    case errorIfUnset(Word, colon: Bool)
    /// `${N+w}`, `${N:+w}`: `w` when set (and, with the colon, not empty), else nothing.
    case alternative(Word, colon: Bool)
    /// `${N:offset}`, `${N:offset:length}`, in characters; negative values count from the end.
    case substring(offset: Int, length: Int?)
    /// `${N^}`, `${N^^}`, `${N,}`, `${N,,}`, optionally with a pattern of the characters to change.
    case changeCase(CaseChange, pattern: Word?)
    /// `${N#p}`, `${N##p}`: remove the shortest (longest) prefix matching `p`.
    case removePrefix(Word, longest: Bool)
    /// `${N%p}`, `${N%%p}`: remove the shortest (longest) suffix matching `p`.
    case removeSuffix(Word, longest: Bool)
    /// `${N/p/r}`, `${N//p/r}`, `${N/#p/r}`, `${N/%p/r}`; a missing `r` deletes the match.
    case replace(Word, with: Word?, mode: ReplaceMode)
}

/// `^`, `^^`, `,`, `,,`.
public enum CaseChange: Equatable, Sendable {
    case upperFirst
    case upperAll
    case lowerFirst
    case lowerAll
}

/// Which matches `${N/p/r}` replaces.
public enum ReplaceMode: Equatable, Sendable {
    /// `/`: the first (leftmost, longest) match.
    case first
    /// `//`: every match.
    case all
    /// `/#`: a match at the start.
    case prefix
    /// `/%`: a match at the end.
    case suffix
}

/// The word of an operator (`w`, a pattern, a replacement): text and nested references.
public struct Word: Equatable, Sendable {
    /// The pieces, in order.
    public var parts: [WordPart]

    /// Creates a word.
    public init(_ parts: [WordPart]) { self.parts = parts }

    /// Whether the word has no parts at all (`${N:-}`).
    public var isEmpty: Bool { parts.isEmpty }
}

/// A piece of a word.
public enum WordPart: Equatable, Sendable {
    /// Text as written (bytes, as in the template): in a pattern, `*`, `?` and `[...]` are wildcards; in
    /// a replacement, `&` is the match.
    case text([UInt8])
    /// Text that was escaped with a backslash (or `$$`): always literal.
    case literal([UInt8])
    /// A nested reference; its value is inserted (in a pattern its wildcards are active, as in bash).
    case reference(Reference)
}
