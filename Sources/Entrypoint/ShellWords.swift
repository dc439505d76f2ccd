/// Splits a hook command into words the way a POSIX shell does, without any expansion, so that a hook
/// runs directly (no `/bin/sh` in the image is needed, and nothing in it is interpreted twice).
///
/// - Blanks (space, tab, newline) separate words; adjacent quoted and unquoted parts form one word.
/// - `'...'` is literal; `"..."` is literal except that `\` escapes `$`, `` ` ``, `"`, `\` and a
///   newline (POSIX "Double-Quotes"); outside quotes `\` makes the next character literal and `\` +
///   newline joins lines.
/// - `#` at the start of a word begins a comment.
/// - `$NAME`, `` `cmd` ``, `*` and `~` stay literal: nothing is expanded.
/// - An unquoted `|`, `&`, `;`, `<`, `>`, `(` or `)` is an error: in a shell it would be an operator,
///   and passing it on as an argument would silently do something else than the author meant.
public enum ShellWords {
    /// The words of `text`.
    public static func split(_ text: String) throws(ShellWordsError) -> [String] {
        var words: [String] = []
        var word: [Unicode.Scalar] = []
        var inWord = false
        var scalars = Array(text.unicodeScalars)[...]

        func finishWord() {
            if inWord { words.append(String(String.UnicodeScalarView(word))) }
            word = []
            inWord = false
        }

        while let scalar = scalars.popFirst() {
            switch scalar {
            case " ", "\t", "\n":
                finishWord()
            case "#" where !inWord:
                while let next = scalars.first, next != "\n" { scalars.removeFirst() }
            case "\\":
                guard let next = scalars.popFirst() else {
                    // A trailing backslash is kept, as dash and bash do.
                    word.append("\\")
                    inWord = true
                    continue
                }
                if next != "\n" {
                    word.append(next)
                    inWord = true
                }
            case "'":
                inWord = true
                while true {
                    guard let next = scalars.popFirst() else {
                        throw ShellWordsError(message: "unterminated single quote")
                    }
                    if next == "'" { break }
                    word.append(next)
                }
            case "\"":
                inWord = true
                while true {
                    guard let next = scalars.popFirst() else {
                        throw ShellWordsError(message: "unterminated double quote")
                    }
                    if next == "\"" { break }
                    if next == "\\", let escaped = scalars.first,
                        ["$", "`", "\"", "\\", "\n"].contains(escaped)
                    {
                        scalars.removeFirst()
                        if escaped != "\n" { word.append(escaped) }
                        continue
                    }
                    word.append(next)
                }
            case "|", "&", ";", "<", ">", "(", ")":
                throw ShellWordsError(
                    message:
                        "'\(scalar)' is shell syntax, and hooks run without a shell: quote it, "
                        + "or use a script or sh -c '...'")
            default:
                word.append(scalar)
                inWord = true
            }
        }
        finishWord()
        return words
    }
}

/// A hook command that cannot be split into words (an unterminated quote, a shell operator).
public struct ShellWordsError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. `unterminated single quote`.
    public var message: String

    /// An error saying `message`.
    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
