// Differential: render mode's operators and string operations against bash 5.2.
//
// The input is a stream of choices that generates an environment and up to 8 templates in the part of
// the language render mode shares with bash's here-documents (SPEC §2: references, every operator,
// nested words up to 64 deep, globs with `* ? [...]` and backslashes in patterns, UTF-8, values that
// are not UTF-8, long values under glob operators). One bash process renders every case as an
// unquoted here-document in a subshell. Where bash succeeds, `templater render --unset empty` must
// give the same bytes without a diagnostic, within a time budget; where bash fails (`:?`, a negative
// substring length), render mode must report an error.

#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import Templater

private let names = ["A", "B", "C", "EMPTY", "UNSET"]

/// Values the variables take: words, globs, backslashes, UTF-8; bytes that are not UTF-8 among
/// ASCII (bash converts each candidate substring on its own, so next to valid multi-byte characters
/// its results depend on the pattern's shape; render mode matches such a value byte by byte, and the
/// rest after a `//` match as characters once it is valid); longer values for the glob operators, at 80 characters: three nested substitutions
/// multiply three lengths, and bash, which has no limit, was killed (137) on values of 200 (the
/// template target has values of 50,000 characters).
private let values: [[UInt8]] =
    [
        "", "a", "hello world", "aaa-bbb-aaa", "a*", "*", "?", "[a]", "\\", "a\\b", "\\*",
        "héllo wörld",
        "ß", "/usr/lib/x.tar.gz", "[!a]", "a\\", "AbC", "x]y", "&", "\\&", "-", "[[:alpha:]]",
        String(repeating: "ab", count: 40), String(repeating: "a", count: 79) + "b",
    ].map { Array($0.utf8) } + [
        [0xE9, 0x74, 0xE9], [0x61, 0xFF, 0x2A, 0xE9], [0xF0, 0x9F, 0x98, 0x6C, 0xA9],
        [0xC3], [UInt8](repeating: 0xE9, count: 79) + [0x61],
    ]

/// Seconds our render of one template may take (sanitized build).
private let timeBudget = 1.0

private func seconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Generates the templates from the fuzzer's choices.
///
/// Left out: an unclosed `[` in a pattern. bash matches it as a literal `[` in `[[ ]]`, `#` and `%`,
/// but its `${V/p/r}` then matches a different length (`${V//[*/X}` on `[ab` gives `Xb`); render mode
/// takes the `[` literally everywhere.
private struct Generator {
    var choices: Choices

    mutating func template() -> String {
        var result = ""
        for _ in 0..<choices.int(in: 1...4) {
            result += choices.chance(30) ? text() : reference(depth: 0)
        }
        // Now and then deep nesting, up to render mode's limit of 64 (bash has none): at most 60
        // levels around the template's own (at most 4).
        if choices.chance(5) {
            let depth = choices.int(in: 30...60)
            result =
                String(repeating: "${UNSET:-", count: depth) + result
                + String(repeating: "}", count: depth)
        }
        return result
    }

    /// Text outside references that a here-document copies as it is (no backslash, backquote or `$(`).
    mutating func text() -> String {
        var result = ""
        for _ in 0..<choices.int(in: 1...3) {
            result += choices.pick(["a", " ", ".", "/", "-", ":", "é", "{", "}", "$ ", "1", "*"])
        }
        return result
    }

    mutating func reference(depth: Int) -> String {
        let name = choices.pick(names)
        switch choices.int(in: 0...15) {
        case 0: return "$" + name + choices.pick([" ", ".", "-"])
        case 1: return "${\(name)}"
        case 2: return "${\(name)\(choices.pick([":-", "-", ":+", "+"]))\(word(depth))}"
        case 3:
            return
                "${\(choices.pick(["UNSET", "EMPTY", "C"]))\(choices.pick([":=", "="]))\(word(depth))}"
        case 4: return "${\(name)\(choices.pick([":?", "?"]))\(word(depth))}"
        case 5: return "${#\(name)}"
        case 6: return "${\(name):\(offset())}"
        case 7: return "${\(name):\(offset()):\(choices.int(in: -4...5))}"
        case 8: return "${\(name)\(choices.pick(["^", "^^", ",", ",,"]))}"
        case 9: return "${\(name)\(choices.pick(["^", "^^", ",", ",,"]))\(pattern(depth))}"
        case 10, 11: return "${\(name)\(choices.pick(["#", "##", "%", "%%"]))\(pattern(depth))}"
        default:
            let replacement = choices.chance(20) ? "" : "/" + word(depth, replacement: true)
            return
                "${\(name)\(choices.pick(["/", "//", "/#", "/%"]))\(pattern(depth))\(replacement)}"
        }
    }

    mutating func offset() -> String {
        let value = choices.int(in: -5...6)
        if value < 0 { return choices.chance(50) ? " \(value)" : "(\(value))" }
        return String(value)
    }

    mutating func word(_ depth: Int, replacement: Bool = false) -> String {
        var result = ""
        for _ in 0..<choices.int(in: 0...3) {
            if depth < 2 && choices.chance(20) {
                result += reference(depth: depth + 1)
            } else {
                result += choices.pick(
                    ["x", " ", "-", ".", "é", "\\}", "\\$", "\\\\", "z9", "*"]
                        + (replacement ? ["&", "\\&", "\\/"] : []))
            }
        }
        return result
    }

    mutating func pattern(_ depth: Int) -> String {
        var result = ""
        for _ in 0..<choices.int(in: 0...3) {
            if depth < 2 && choices.chance(10) {
                result += "${\(choices.pick(names))}"
            } else {
                result += choices.pick([
                    "a", "l", "o", "*", "?", "[a-c]", "[!a]", "[^a]", "-", "/", ".", "é", "\\*",
                    "\\?", "\\\\", "\\[", "[\\]]", "[a\\-z]", "[[:alpha:]]", "[[:space:]]", "[]a]",
                    "]", "\\a", "ß", "[é]",
                ])
            }
        }
        return result
    }
}

func fuzzBash(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var generator = Generator(
        choices: Choices(Array(UnsafeBufferPointer(start: data, count: size))))
    var environment: [String: [UInt8]] = [:]
    for name in names where name != "UNSET" {
        environment[name] = name == "EMPTY" ? [] : generator.choices.pick(values)
    }
    var templates: [String] = []
    while templates.count < 8 && !generator.choices.isExhausted {
        templates.append(generator.template())
    }
    guard !templates.isEmpty else { return 0 }

    var script = ""
    // `$'\xHH...'`: the bytes reach bash as they are, UTF-8 or not.
    let assignments = environment.sorted { $0.key < $1.key }.map {
        "\($0.key)=$'" + $0.value.map { "\\x" + String($0, radix: 16) }.joined() + "'; "
    }
    for template in templates {
        script += "(" + assignments.joined()
        script +=
            "cat <<__TEMPLATE__\n\(template)\n__TEMPLATE__\n) 2>/dev/null; printf '\\n@@END %d@@\\n' $?\n"
    }
    let bash = spawn(
        "/bin/bash", arguments: ["bash", "--norc", "--noprofile", "-s"].map { Array($0.utf8) },
        environment: [Array("LC_ALL=C.UTF-8".utf8), Array("PATH=/usr/bin:/bin".utf8)],
        input: MemoryFile(Array(script.utf8)))
    var rest = bash.output[...]
    for template in templates {
        let marker = Array("\n@@END ".utf8)
        guard let start = rest.firstRange(of: marker) else {
            fatal("bash's output ended early: \(literal(bash.output)) \(literal(bash.error))")
        }
        let expected = Array(rest[..<start.lowerBound])
        let afterMarker = rest[start.upperBound...]
        guard let close = afterMarker.firstRange(of: Array("@@\n".utf8)) else {
            fatal("bash's output ended early")
        }
        let status = String(decoding: afterMarker[..<close.lowerBound], as: UTF8.self)
        rest = afterMarker[close.upperBound...]

        var renderer = Renderer(
            policy: RenderPolicy(onUnset: .empty), variables: Variables(bytes: environment))
        let began = seconds()
        let output = renderer.renderBytes(Array(template.utf8), path: "t") + [0x0A]
        let elapsed = seconds() - began
        if elapsed > timeBudget {
            fatal("rendering took \(elapsed) s (budget \(timeBudget) s): \(template.debugDescription)")
        }
        let agrees =
            status == "0"
            ? !renderer.hasErrors && output == expected
            : renderer.hasErrors
        if !agrees {
            fatal(
                """
                render mode differs from bash
                  environment: \(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(literal($0.value))" })
                  template: \(template.debugDescription)
                  bash:     status \(status), \(literal(expected))
                  ours:     \(literal(output)) \(renderer.diagnostics)
                """)
        }
    }
    return 0
}

runFuzzer(fuzzBash)
