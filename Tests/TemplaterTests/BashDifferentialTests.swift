import Templater
import TestSupport
import Testing

/// Random templates in the part of the language that bash's here-documents share with render mode:
/// references, every operator but `?` (which aborts bash), patterns with `* ? [...]`, nested words.
struct TemplateGenerator {
    var random: SeededGenerator
    static let names = ["A", "B", "EMPTY", "UNSET", "UTF", "PATHV", "GLOB"]
    static let values: [String: String] = [
        "A": "hello world", "B": "aaa-bbb-aaa", "EMPTY": "", "UTF": "héllo wörld ßé",
        "PATHV": "/usr/lib/x.tar.gz",
        "GLOB": "a*",
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
                result += "${\(pick(["GLOB", "EMPTY", "UNSET"]))}"
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
    func bash(_ templates: [String], environment: [String: String]) throws -> [(
        output: String, status: Int
    )] {
        var script = ""
        for template in templates {
            script += "("
            for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
                script += "\(name)='\(value.replacing("'", with: "'\\''"))'; "
            }
            script +=
                "cat <<__TEMPLATE__\n\(template)\n__TEMPLATE__\n) 2>/dev/null; printf '\\n@@END %d@@\\n' $?\n"
        }
        let result = try run(
            "/bin/bash", ["--norc", "--noprofile", "-s"],
            environment: ["LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"],
            input: script)
        var outputs: [(String, Int)] = []
        var rest = Substring(result.out)
        while let marker = rest.firstRange(of: "\n@@END ") {
            let output = String(rest[..<marker.lowerBound])
            let afterMarker = rest[marker.upperBound...]
            guard let close = afterMarker.firstRange(of: "@@\n") else { break }
            let status = Int(afterMarker[..<close.lowerBound]) ?? -1
            outputs.append((output, status))
            rest = afterMarker[close.upperBound...]
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
                policy: RenderPolicy(onUnset: .empty), variables: Variables(environment))
            let output = renderer.renderString(template, path: "t") + "\n"
            let bashFailed = expected[index].status != 0
            if bashFailed {
                #expect(renderer.hasErrors, "bash failed on case \(index): \(template)")
            } else if output != expected[index].output || renderer.hasErrors {
                mismatches += 1
                Issue.record(
                    "case \(index): \(template.debugDescription)\n bash: \(expected[index].output.debugDescription)\n ours: \(output.debugDescription) \(renderer.diagnostics)"
                )
            }
            if mismatches > 10 { break }
        }
    }
}
