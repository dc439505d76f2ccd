import Templater
import TestSupport
import Testing

/// Random templates in the part of the language that bash's here-documents share with render mode:
/// references, every operator but `?` (which aborts bash), patterns with `* ? [...]`, nested words.
struct TemplateGenerator {
    var random: SeededGenerator
    static let names = ["A", "B", "EMPTY", "UNSET", "UTF", "PATHV", "GLOB", "BIN", "BYTES"]
    static let values: [String: [UInt8]] = [
        "A": Array("hello world".utf8), "B": Array("aaa-bbb-aaa".utf8), "EMPTY": [],
        "UTF": Array("héllo wörld ßé".utf8), "PATHV": Array("/usr/lib/x.tar.gz".utf8),
        "GLOB": Array("a*".utf8),
        // Not UTF-8: a lone Latin-1 `é` around a `t`; invalid bytes among ASCII (a truncated 4-byte
        // sequence, a stray continuation byte, 0xFF). Left out: invalid bytes next to valid
        // multi-byte characters, where bash converts each candidate substring on its own and its
        // results depend on the pattern's shape (`${W//?/Q}` sees `é` as one character, `${W//[é]/Q}`
        // as two bytes); render mode matches such a value byte by byte.
        "BIN": [0xE9, 0x74, 0xE9],
        "BYTES": [0x61, 0xF0, 0x9F, 0x98, 0x6C, 0x2D, 0xA9, 0xFF, 0x6F, 0x2A],
        // Patterns that are not UTF-8 (bash then matches byte by byte): a lone lead byte, a lone
        // Latin-1 `é`.
        "LEAD": [0xC3], "LATIN": [0xE9],
    ]

    mutating func pick<T>(_ options: [T]) -> T {
        options[Int.random(in: 0..<options.count, using: &random)]
    }
    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &random) < percent
    }

    mutating func template() -> String {
        var result = ""
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            result += chance(40) ? text() : reference(depth: 0)
        }
        return result
    }

    mutating func text() -> String {
        var result = ""
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            result += pick([
                "a", "b", "x", " ", ".", "/", "-", ";", ":", "é", "한", "\n", "{", "}", "$ ", "1",
                "_",
            ])
        }
        return result
    }

    mutating func name() -> String { pick(Self.names) }

    mutating func reference(depth: Int) -> String {
        let name = self.name()
        if chance(15) { return "$" + name + pick([" ", ".", "/", "-"]) }
        if chance(15) { return "${\(name)}" }
        switch Int.random(in: 0..<13, using: &random) {
        case 0: return "${\(name)\(pick([":-", "-", ":+", "+"]))\(word(depth: depth))}"
        case 1:
            return
                "${\(pick(["NEWVAR", "UNSET", "EMPTY"]))\(pick([":=", "="]))\(word(depth: depth))}"
        case 2: return "${#\(name)}"
        case 3: return "${\(name):\(offset())}"
        case 4: return "${\(name):\(offset()):\(Int.random(in: -4...6, using: &random))}"
        case 5: return "${\(name)\(pick(["^", "^^", ",", ",,"]))}"
        case 6: return "${\(name)\(pick(["^^", ",,"]))\(pick(["[a-h]", "?", "[!l]"]))}"
        case 7, 8: return "${\(name)\(pick(["#", "##", "%", "%%"]))\(pattern(depth: depth))}"
        default:
            let replacement = chance(20) ? "" : "/" + word(depth: depth, amp: true)
            return
                "${\(name)\(pick(["/", "//", "/#", "/%"]))\(pattern(depth: depth))\(replacement)}"
        }
    }

    mutating func offset() -> String {
        let value = Int.random(in: -5...6, using: &random)
        if value < 0 { return chance(50) ? " \(value)" : "(\(value))" }
        return String(value)
    }

    mutating func word(depth: Int, amp: Bool = false) -> String {
        var result = ""
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            if depth < 2 && chance(25) {
                result += reference(depth: depth + 1)
            } else {
                result += pick(
                    ["x", "y", " ", "-", ".", "é", "\\}", "z9"] + (amp ? ["&", "\\&"] : []))
            }
        }
        return result
    }

    mutating func pattern(depth: Int) -> String {
        var result = ""
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            if depth < 2 && chance(10) {
                result += "${\(pick(["GLOB", "EMPTY", "UNSET", "LEAD", "LATIN"]))}"
            } else {
                result += pick([
                    "a", "l", "o", "*", "?", "[a-c]", "[!a]", "-", "/", ".", "é", "\\*",
                    "[[:alpha:]]",
                ])
            }
        }
        return result
    }
}

@Suite struct BashDifferentialTests {
    /// Runs every case in one bash process, each in a subshell (assignments stay local, an error ends
    /// only its case), each as an unquoted here-document; returns each case's output and status.
    /// Values are assigned as `$'\xHH...'`, so bytes that are not UTF-8 reach bash as they are.
    func bash(_ templates: [String], environment: [String: [UInt8]]) throws -> [(
        output: [UInt8], status: Int
    )] {
        var script = ""
        for template in templates {
            script += "("
            for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
                let escaped = value.map { "\\x" + String($0, radix: 16) }.joined()
                script += "\(name)=$'\(escaped)'; "
            }
            script +=
                "cat <<__TEMPLATE__\n\(template)\n__TEMPLATE__\n) 2>/dev/null; printf '\\n@@END %d@@\\n' $?\n"
        }
        let result = try run(
            "/bin/bash", ["--norc", "--noprofile", "-s"],
            environment: ["LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"],
            input: script)
        var outputs: [([UInt8], Int)] = []
        var rest = result.stdout[...]
        let end = Array("\n@@END ".utf8)
        let close = Array("@@\n".utf8)
        while let marker = rest.firstRange(of: end) {
            let output = Array(rest[..<marker.lowerBound])
            let afterMarker = rest[marker.upperBound...]
            guard let closing = afterMarker.firstRange(of: close) else { break }
            let status =
                Int(String(decoding: afterMarker[..<closing.lowerBound], as: UTF8.self)) ?? -1
            outputs.append((output, status))
            rest = afterMarker[closing.upperBound...]
        }
        return outputs
    }

    @Test func renderModeMatchesBashHereDocuments() throws {
        var generator = TemplateGenerator(random: SeededGenerator(seed: 7))
        var environment = TemplateGenerator.values
        environment["UNSET"] = nil
        let templates = (0..<1500).map { _ in generator.template() }
        let expected = try bash(templates, environment: environment)
        try #require(expected.count == templates.count)
        var mismatches = 0
        for (index, template) in templates.enumerated() {
            var renderer = Renderer(
                policy: RenderPolicy(onUnset: .empty), variables: Variables(bytes: environment))
            let output = renderer.renderBytes(Array(template.utf8), path: "t") + [0x0A]
            let bashFailed = expected[index].status != 0
            if bashFailed {
                #expect(renderer.hasErrors, "bash failed on case \(index): \(template)")
            } else if output != expected[index].output || renderer.hasErrors {
                mismatches += 1
                Issue.record(
                    "case \(index): \(template.debugDescription)\n bash: \(expected[index].output)\n ours: \(output) \(renderer.diagnostics)"
                )
            }
            if mismatches > 10 { break }
        }
    }
}
