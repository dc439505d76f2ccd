import Templater
import Testing

/// SHELL-FORMAT strings as GNU envsubst 0.21 reads them (`envsubst -v` output, checked against GNU).
@Suite struct EnvsubstShellFormatTests {
    static let formats: [(String, String, [String])] = [
        ("empty", "", []),
        ("bare and braced", "$A ${B}", ["A", "B"]),
        ("repetitions kept in order", "$B $A $B", ["B", "A", "B"]),
        ("double dollar", "$$A", ["A"]),
        ("unclosed brace mentions nothing", "${A $B", ["B"]),
        ("closed later does not count", "${A x}", []),
        ("brace then dollar", "${$A}", ["A"]),
        ("text around names", "x=${A}y $B_1-$_c", ["A", "B_1", "_c"]),
        ("digits do not start names", "$1 ${2} $3A", []),
        ("non-ASCII ends a name", "$Aé ${Bé}", ["A"]),
        ("operators mention nothing", "${A:-x} ${B-y}", []),
        ("dollar at the end", "$A $", ["A"]),
        ("NUL ends the format", "$A\u{0}$B", ["A"]),
    ]

    @Test(arguments: formats)
    func names(_ name: String, _ format: String, _ expected: [String]) {
        #expect(ShellFormat(format).names == expected)
    }
}
