import Templater
import Testing

/// Renders `template` with `environment` and the policy; returns the output and the printed diagnostics.
func render(
    _ template: String, _ environment: [String: String] = [:], policy: RenderPolicy = RenderPolicy()
) -> (output: String, diagnostics: String) {
    var renderer = Renderer(policy: policy, variables: Variables(environment))
    let output = renderer.renderString(template, path: "t")
    return (output, renderer.diagnostics.map(\.description).joined(separator: "\n"))
}

/// A selection for a table row; a bad row fails the test instead of trapping.
func selection(
    names: [String] = [], prefixes: [String] = [], regexes: [String] = [], definedOnly: Bool = false
) -> Selection {
    do {
        return try Selection(
            names: names, prefixes: prefixes, regexes: regexes, definedOnly: definedOnly)
    } catch {
        Issue.record("bad selection: \(error)")
        return .all
    }
}

@Suite struct RendererTests {
    static let environment = [
        "HOST": "example.com", "PORT": "8080", "EMPTY": "", "PATHV": "/usr/local/bin/tool.tar.gz",
        "WORD": "hello", "UTF": "héllo wörld", "AMP": "a&b",
    ]

    @Test(arguments: [
        ("plain text passes through", "listen 80;\n", "listen 80;\n"),
        ("bare reference", "host $HOST;", "host example.com;"),
        ("braced reference", "${HOST}:${PORT}", "example.com:8080"),
        ("name ends at a non-name byte", "$HOST.local", "example.com.local"),
        ("dollar dollar is a literal dollar", "cost $$5 $$HOST", "cost $5 $HOST"),
        ("lone dollar stays", "a $ b $1 $; ~\\.php$", "a $ b $1 $; ~\\.php$"),
        ("default when unset", "${MISSING:-5432}", "5432"),
        ("default with colon when empty", "${EMPTY:-x}", "x"),
        ("default without colon keeps empty", "[${EMPTY-x}]", "[]"),
        ("default not used when set", "${PORT:-1}", "8080"),
        ("nested default", "${MISSING:-${HOST}:${PORT}}", "example.com:8080"),
        ("doubly nested default", "${A:-${B:-${PORT}}}", "8080"),
        ("alternative when set", "${PORT:+on}", "on"),
        ("alternative when empty with colon", "[${EMPTY:+on}]", "[]"),
        ("alternative when empty without colon", "${EMPTY+on}", "on"),
        ("assign then reuse", "${NEW:=v1} $NEW ${NEW}", "v1 v1 v1"),
        ("escaped brace in a word", "${MISSING:-a\\}b}", "a}b"),
        ("length", "${#WORD} ${#UTF}", "5 11"),
        ("substring", "${WORD:1} ${WORD:1:3} ${WORD: -2} ${WORD:(-3):2}", "ello ell lo ll"),
        ("substring in characters", "${UTF:1:4}", "éllo"),
        ("substring negative length", "${WORD:1:-1}", "ell"),
        ("substring past the end", "[${WORD:9}]", "[]"),
        ("upper first and all", "${WORD^} ${WORD^^}", "Hello HELLO"),
        ("upper non-ASCII", "${UTF^^}", "HÉLLO WÖRLD"),
        ("lower", "${HOST,,}", "example.com"),
        ("remove prefix", "${PATHV#*/} ${PATHV##*/}", "usr/local/bin/tool.tar.gz tool.tar.gz"),
        (
            "remove suffix", "${PATHV%.*} ${PATHV%%.*}",
            "/usr/local/bin/tool.tar /usr/local/bin/tool"
        ),
        ("replace first and all", "${WORD/l/L} ${WORD//l/L}", "heLlo heLLo"),
        ("replace anchored", "${WORD/#he/HE} ${WORD/%lo/LO}", "HEllo helLO"),
        ("replace deletes without replacement", "${WORD//l}", "heo"),
        ("replace with the match", "${WORD//l/[&]}", "he[l][l]o"),
        ("replace with an escaped ampersand", "${WORD//l/\\&}", "he&&o"),
        ("bracket pattern", "${WORD//[aeiou]/_}", "h_ll_"),
        ("negated bracket", "${WORD//[!l]/_}", "__ll_"),
        ("question mark", "${WORD/?/X}", "Xello"),
        ("pattern from a variable", "${PATHV##*${MISSING:-/}}", "tool.tar.gz"),
        ("utf8 text is kept", "héllo ${WORD} 한국어\r\n", "héllo hello 한국어\r\n"),
    ])
    func renders(_ name: String, _ template: String, _ expected: String) {
        let result = render(template, Self.environment)
        #expect(result.diagnostics == "", "\(name)")
        #expect(result.output == expected, "\(name)")
    }

    @Test(arguments: [
        (
            "unset variable", "listen ${PORT};\nserver_name ${SERVER_NAME};\n",
            "t:2:13: error: variable SERVER_NAME is not set\nt:2:13: note: set SERVER_NAME, or give a default: ${SERVER_NAME:-default}"
        ),
        (
            "server variable hint", "proxy_set_header Host $host;",
            "t:1:23: error: variable host is not set\nt:1:23: note: `$host` looks like the server's own variable: pass --allow or --braces-only"
        ),
        (
            "every problem reported", "$A\n  $B",
            "t:1:1: error: variable A is not set\nt:1:1: note: set A, or give a default: ${A:-default}\nt:2:3: error: variable B is not set\nt:2:3: note: set B, or give a default: ${B:-default}"
        ),
        (
            "columns count characters", "héllo ${NOPE}",
            "t:1:7: error: variable NOPE is not set\nt:1:7: note: set NOPE, or give a default: ${NOPE:-default}"
        ),
        (
            "error if unset with bash's message", "${NOPE:?}",
            "t:1:1: error: NOPE: parameter null or not set"
        ),
        ("error if unset without colon", "${NOPE?}", "t:1:1: error: NOPE: parameter not set"),
        (
            "error if unset with a message", "${NOPE:?must be set}",
            "t:1:1: error: NOPE: must be set"
        ),
        (
            "unterminated", "x ${HOST",
            "t:1:3: error: unterminated '${': no matching '}'\nt:1:3: note: write $${ for a literal '${', or \\} for a '}' inside a word"
        ),
        (
            "no name", "a ${ HOST}",
            "t:1:3: error: expected a variable name after '${'\nt:1:3: note: write $${ for a literal '${'"
        ),
        (
            "substring expression below zero", "${WORD:3:-4}",
            "t:1:1: error: WORD: substring expression < 0\nt:1:1: note: the length -4 ends before the offset 3"
        ),
    ])
    func diagnoses(_ name: String, _ template: String, _ expected: String) {
        #expect(render(template, Self.environment).diagnostics == expected, "\(name)")
    }

    @Test func secretsAreRedactedInErrorMessages() {
        let result = render("${NOPE:?cannot use $DB_PASSWORD}", ["DB_PASSWORD": "hunter2"])
        #expect(result.diagnostics == "t:1:1: error: NOPE: cannot use ***")
    }

    @Test(arguments: [
        (
            "braces only keeps bare references", RenderPolicy(bracesOnly: true), "$host ${HOST}",
            "$host example.com"
        ),
        (
            "allow list keeps others", RenderPolicy(selection: selection(names: ["HOST"])),
            "$host ${HOST} ${PORT:-1} $uri", "$host example.com ${PORT:-1} $uri"
        ),
        (
            "prefix", RenderPolicy(selection: selection(prefixes: ["PO"])), "$HOST $PORT",
            "$HOST 8080"
        ),
        (
            "regex", RenderPolicy(selection: selection(regexes: ["^H.S"])), "$HOST $PORT",
            "example.com $PORT"
        ),
        (
            "defined only keeps undefined", RenderPolicy(selection: selection(definedOnly: true)),
            "$HOST $host ${X:-d}", "example.com $host ${X:-d}"
        ),
        ("unset empty", RenderPolicy(onUnset: .empty), "[$NOPE][${#NOPE}]", "[][0]"),
        (
            "unset keep", RenderPolicy(onUnset: .keep), "[$NOPE][${NOPE}][${NOPE^^}]",
            "[$NOPE][${NOPE}][${NOPE^^}]"
        ),
        (
            "no-empty treats empty as unset", RenderPolicy(treatEmptyAsUnset: true), "${EMPTY-d}",
            "d"
        ),
    ])
    func policies(_ name: String, _ policy: RenderPolicy, _ template: String, _ expected: String) {
        let result = render(template, Self.environment, policy: policy)
        #expect(result.diagnostics == "", "\(name)")
        #expect(result.output == expected, "\(name)")
    }
}
