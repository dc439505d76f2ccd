import Templater
import Testing

/// How diagnostics are made safe to print, and where their lines are counted.
@Suite struct DiagnosticTextTests {
    @Test(arguments: [
        ("plain text is kept", "variable A is not set", "variable A is not set"),
        ("an ESC is escaped", "unexpected '\u{1B}'", "unexpected '\\x1B'"),
        ("a NUL and a CR are escaped", "a\u{0}b\rc", "a\\x00b\\x0Dc"),
        ("a C1 control is escaped", "x\u{85}y", "x\\x85y"),
        ("UTF-8 text is kept", "café ünïcode", "café ünïcode"),
        (
            "a long word is cut", "set " + String(repeating: "N", count: 121) + ", or",
            "set " + String(repeating: "N", count: 60) + "…, or"
        ),
        (
            "a word at the limit is kept", String(repeating: "N", count: 120),
            String(repeating: "N", count: 120)
        ),
    ])
    func printableText(_ behaviour: String, _ text: String, _ expected: String) {
        #expect(Diagnostic.printable(text) == expected, "\(behaviour)")
    }

    @Test func theLocationPathIsPrintableToo() {
        let diagnostic = Diagnostic(
            .error, at: SourceLocation(path: "t/\u{1B}[31m.t", line: 1, column: 2), "boom")
        #expect(diagnostic.description == "t/\\x1B[31m.t:1:2: error: boom")
    }

    /// Lines end at LF, CRLF and a lone CR; a CRLF cut between two calls counts once.
    @Test(arguments: [
        ("LF", ["a\nb"], 2, 2),
        ("CRLF", ["a\r\nb"], 2, 2),
        ("lone CR", ["a\rbc"], 2, 3),
        ("CR-only lines", ["x\ry\rz"], 3, 2),
        ("CRLF cut after the CR", ["a\r", "\nb"], 2, 2),
        ("CR at the end, then text", ["a\r", "bc"], 2, 3),
        ("mixed", ["1\n2\r3\r\n4"], 4, 2),
    ])
    func linesEndAtLFCRLFAndLoneCR(
        _ behaviour: String, _ pieces: [String], _ line: Int, _ column: Int
    ) {
        var position = Position.start
        for piece in pieces {
            position = Array(piece.utf8).withUnsafeBytes { position.advanced(over: $0) }
        }
        #expect(position == Position(line: line, column: column), "\(behaviour)")
    }
}
