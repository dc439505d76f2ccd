import Templater
import Testing

/// Differences from bash that the differential fuzzer (`Fuzz/`, `make fuzz`) found, each pinned down
/// with bash 5.2's output for the same here-document.
@Suite struct FuzzRegressionTests {
    /// Values with backslashes, stars and brackets, for nested references in patterns and replacements.
    static let environment: [String: String] = [
        "V": "x",
        "B": "a\\",
        "Y": "x\\y",
        "Z": "a]b",
        "S": "\\*",
        "T": "ab*",
        "P": "\\*",
        "C": "[!a]b",
        "EMPTY": "",
        "R1": "\\&",
        "R2": "\\\\&",
        "R3": "a\\b",
        "R4": "a\\\\b",
        "K": "\\",
        "KA": "a\\",
        "Q": "[\\]]",
        "D": "\\\\",
        "C2": "aaa-bbb-aaa",
        "KS": "\\*x",
        "VS": "x*y",
    ]

    /// (behaviour, template, bash's output).
    static let cases: [(String, String, String)] = [
        ("a nested value's backslash escapes a star", "${S%%${S}}", "\\"),
        ("an escaped star matches only a star", "${T%$P}", "ab"),
        ("an escaped star is not a wildcard", "${Z%$P}", "a]b"),
        (
            "a pattern that expands to nothing upper-cases every character", "${C^^${EMPTY}}",
            "[!A]B"
        ),
        (
            "a pattern that expands to nothing upper-cases the first character", "${C^${EMPTY}}",
            "[!a]b"
        ),
        ("a value's backslash quotes an ampersand in a replacement", "${V/x/$R1}", "&"),
        (
            "a value's double backslash is one backslash before an active ampersand", "${V/x/$R2}",
            "\\x"
        ),
        ("a value's backslash before a letter stays in a replacement", "${V/x/$R3}", "a\\b"),
        ("a value's double backslash is one backslash in a replacement", "${V/x/$R4}", "a\\b"),
        ("a trailing backslash never matches in a substitution", "${K/$K/X}", "\\"),
        ("a trailing backslash never matches in a global substitution", "${B//$K/X}", "a\\"),
        ("a trailing backslash never matches in a suffix substitution", "${B/%$K/X}", "a\\"),
        (
            "a longer pattern with a trailing backslash never matches in a substitution",
            "${B/$KA/X}", "a\\"
        ),
        ("a trailing backslash matches a backslash in a prefix removal", "${K#$K}", ""),
        // The star bash puts in front of a suffix substitution's pattern, or one of the pattern's own,
        // right before the lone backslash never matches; a letter before it does.
        ("a suffix substitution with a letter before the trailing backslash", "${B/%$KA/X}", "X"),
        ("a suffix substitution keeps its dollars", "${B/%$B/.\\$\\$}", ".$$"),
        ("a suffix substitution with a star before the trailing backslash", "${B/%a*$K/X}", "a\\"),
        ("a suffix substitution with only ? before the trailing backslash", "${B/%?$K/X}", "a\\"),
        ("a star before a trailing backslash never matches in a removal", "${B%*$K}", "a\\"),
        ("a ? before a trailing backslash matches in a removal", "${B%?$K}", ""),
        ("a trailing backslash matches a backslash in a longer prefix", "${B#$KA}", ""),
        ("a value's backslash before a letter matches the letter", "${Y/$Y/r}", "x\\y"),
        ("a value's escaped bracket inside a bracket expression", "${Z//$Q/-}", "a-b"),
        // bash keeps an escaped scalar of the template behind a quoting byte (0x01); a value's
        // backslash right before it escapes that byte, so the pattern matches no ordinary text.
        // bash measures a star-free substitution pattern first and closes `[!]...]` at its first `]`.
        (
            "a negated set opening with ] never matches in a substitution", "${C2//[!]bb]}",
            "aaa-bbb-aaa"
        ),
        ("the same with a star matches", "${C2/a*[!]x]/X}", "X"),
        ("the same matches in a prefix removal", "${C2#[!]xy]}", "aa-bbb-aaa"),
        ("a set opening with ] matches in a substitution", "${C2//[]a]}", "-bbb-"),
        // A nested default or alternative word keeps its own escapes in a pattern or replacement.
        ("an escaped star in a nested default is literal", "${VS##${EMPTY:-\\*}}", "x*y"),
        ("an escaped star in a nested default, after a letter", "${VS##${EMPTY:-x\\*}}", "y"),
        ("an escaped star in a nested alternative", "${VS/${V+\\*}/Z}", "xZy"),
        ("an escaped bracket in a nested default", "${VS//${EMPTY:-\\[*]}/Z}", "x*y"),
        ("an escaped ampersand in a nested alternative", "${VS/x/${V+\\&}}", "&*y"),
        ("an escaped backslash in a nested alternative", "${VS/x/${V+\\\\&}}", "\\x*y"),
        ("a value's backslash in a nested default", "${VS/x/${EMPTY:-${K}\\\\}}", "\\\\*y"),
        ("an assigned default is a value: its star is active", "${VS##${NEW:=\\*}}", ""),
        ("a value's backslash before an escaped letter", "${C2/%${K}\\a[a-c]/X}", "aaa-bbb-aaa"),
        ("a value's backslash before an escaped star", "${KS/${K}\\*/X}", "\\*x"),
        ("a value's backslash before an escaped dash, globally", "${C2//${K}\\-/X}", "aaa-bbb-aaa"),
        ("a value's backslash before an escaped letter, as a prefix", "${V#${K}\\x}", "x"),
        (
            "a value's backslash before an escaped backslash leaves a lone backslash",
            "${K/${K}\\\\/X}", "\\"
        ),
        // bash spells an escaped `\&` or `\\` of the template with a quoting backslash, which a value's
        // trailing backslash then quotes: the `&` is the match again.
        ("a value's backslash before an escaped ampersand", "${V/x/${KA}\\&}", "a\\x"),
        ("a value's backslash before an escaped backslash", "${V/x/${KA}\\\\}", "a\\\\"),
        ("a value's backslash before two escaped backslashes", "${V/x/${KA}\\\\\\\\}", "a\\\\\\"),
        ("an escaped backslash before an active ampersand", "${V/x/\\\\&}", "\\x"),
        ("a value's backslash before an active ampersand", "${V/x/${KA}&}", "a&"),
        ("the fuzzer's case: a suffix substitution", "${B/%/z9${B///x}\\&}", "a\\z9a\\"),
        ("a value's escaped backslash matches a backslash", "${B%$D}", "a"),
    ]

    @Test(arguments: cases)
    func rendersAsBashDoes(_ behaviour: String, _ template: String, _ expected: String) {
        var renderer = Renderer(
            policy: RenderPolicy(onUnset: .empty), variables: Variables(Self.environment))
        #expect(renderer.renderString(template, path: "t") == expected, "\(behaviour)")
        #expect(renderer.diagnostics.isEmpty)
    }
}
