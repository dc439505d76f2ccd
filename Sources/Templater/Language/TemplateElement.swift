/// One piece of a template with its reference parsed: what the renderer and `templater vars` walk
/// (`Lexer.nextElement()`). Ranges are offsets from the start of the template, as in `Token`.
public enum TemplateElement: Equatable, Sendable {
    /// Text without any `$`.
    case text(Range<Int>)
    /// `$$`: a literal `$`.
    case dollar
    /// `$NAME` (`braced` false) or `${NAME}`: the name, and the whole reference, which starts at its
    /// `$`.
    case name(Range<Int>, reference: Range<Int>, braced: Bool)
    /// `${...}` with an operator, parsed; `text` is where it is written.
    case reference(Reference, text: Range<Int>)
    /// A reference that does not parse (or a `${` without its `}`).
    case invalid(SyntaxError)
}
