import Foundation
import Templater
import Testing

/// Renders `template` with values of bytes; returns the output bytes and the printed diagnostics.
func renderBytes(_ template: String, _ environment: [String: [UInt8]])
    -> (output: [UInt8], diagnostics: String)
{
    var renderer = Renderer(policy: RenderPolicy(), variables: Variables(bytes: environment))
    let output = renderer.renderBytes(Array(template.utf8), path: "t")
    return (output, renderer.diagnostics.map(\.description).joined(separator: "\n"))
}

/// Issue 10: the template language under hostile input — values that are not UTF-8, very deep
/// nesting, expansions that grow without bound, long values under glob operators.
@Suite struct HostileInputTests {
    /// `V` is `é t é` in Latin-1 (not UTF-8); `W` holds `a`, a lone 0xE9, a UTF-8 `é`, `b`.
    static let environment: [String: [UInt8]] = [
        "V": [0xE9, 0x74, 0xE9], "W": [0x61, 0xE9, 0xC3, 0xA9, 0x62], "P": [0xE9], "C": [0xC3],
        "X": Array("é".utf8), "Z": [0xF0, 0x9F, 0x98, 0x78], "M": [0xC3, 0xC3, 0xA9],
    ]

    // Every expected value is bash 5.2.15's output under LC_ALL=C.UTF-8.
    @Test(
        arguments: [
            ("a plain reference copies the bytes", "a ${V}", [0x61, 0x20, 0xE9, 0x74, 0xE9]),
            ("a bare reference copies the bytes", "$V", [0xE9, 0x74, 0xE9]),
            ("the length counts an invalid byte as one character", "${#V}", Array("3".utf8)),
            ("the length counts valid and invalid characters", "${#W}", Array("4".utf8)),
            ("a truncated sequence is one character per byte", "${#Z}", Array("4".utf8)),
            ("a substring counts characters", "${V:1:2}", [0x74, 0xE9]),
            ("a substring keeps whole characters", "${W:1:2}", [0xE9, 0xC3, 0xA9]),
            ("upper case leaves invalid bytes", "${V^^}", [0xE9, 0x54, 0xE9]),
            ("upper case maps valid characters", "${W^^}", [0x41, 0xE9, 0xC3, 0x89, 0x42]),
            ("upper first stops at an invalid first byte", "${V^}", [0xE9, 0x74, 0xE9]),
            ("a question mark removes one invalid byte", "${V#?}", [0x74, 0xE9]),
            ("two question marks remove a byte and a character", "${W#??}", [0xC3, 0xA9, 0x62]),
            ("each invalid byte is replaced as a character", "${V//?/x}", Array("xxx".utf8)),
            ("a negated set matches an invalid byte", "${W//[!a]/Q}", Array("aQQQ".utf8)),
            ("a class never matches an invalid byte", "${V//[[:alpha:]]/Q}", [0xE9, 0x51, 0xE9]),
            ("a suffix pattern of an invalid byte", "${V/%$P/y}", [0xE9, 0x74, 0x79]),
            ("a prefix pattern of an invalid byte", "${V/#$P/y}", [0x79, 0x74, 0xE9]),
            ("every match of an invalid byte", "${V//$P/y}", Array("yty".utf8)),
            (
                "an invalid pattern matches byte by byte", "${W/$C/Q}",
                [0x61, 0xE9, 0x51, 0xA9, 0x62]
            ),
            ("a byte-wise star stops inside a character", "${W##*$C}", [0xA9, 0x62]),
            ("a byte-wise range spans every byte", "${W//[a-$P]/Q}", Array("QQQQQ".utf8)),
            ("a valid pattern keeps the invalid bytes", "${W//$X/E}", [0x61, 0xE9, 0x45, 0x62]),
            // bash matches byte by byte when the value is not UTF-8 either (found by the fuzzer).
            ("a valid set matches a byte of an invalid value", "${C/#[é]/}", []),
            ("a suffix pattern removes one byte of a character", "${M%?}", [0xC3, 0xC3]),
            (
                "the rest after a match is matched anew as characters", "${M//[é]/x}",
                Array("xx".utf8)
            ),
            ("a default copies the bytes", "${UNSET:-$V}", [0xE9, 0x74, 0xE9]),
            (
                "an assignment keeps the bytes", "${N:=$V}${N}",
                [0xE9, 0x74, 0xE9, 0xE9, 0x74, 0xE9]
            ),
            (
                "the match in a replacement keeps its bytes", "${V/t/[&]}",
                [0xE9, 0x5B, 0x74, 0x5D, 0xE9]
            ),
        ] as [(String, String, [UInt8])])
    func valuesAreBytes(_ name: String, _ template: String, _ expected: [UInt8]) {
        let (output, diagnostics) = renderBytes(template, Self.environment)
        #expect(output == expected, "\(name)")
        #expect(diagnostics.isEmpty, "\(name)")
    }

    /// Values that enter through an env file or a `_FILE` secret keep their bytes too.
    @Test(
        arguments: [
            ("an unquoted env-file value", "E=a\u{1}b\n", [0x61, 0xE9, 0x62]),
            ("a double-quoted env-file value", "E=\"x\u{1}y\"\n", [0x78, 0xE9, 0x79]),
            ("a single-quoted env-file value", "E='\u{1}'\n", [0xE9]),
            ("an interpolated env-file value", "B=\u{1}\nE=${B}-\n", [0xE9, 0x2D]),
            ("a binary _FILE secret", "secret", [0xE9, 0x00, 0xFF]),
        ] as [(String, String, [UInt8])])
    func valuesFromFilesAreBytes(_ name: String, _ file: String, _ expected: [UInt8]) throws {
        let path = NSTemporaryDirectory() + "hostile-\(getpid())-\(name.hashValue)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let variables: Variables
        if file == "secret" {
            try Data(expected + [0x0A]).write(to: URL(fileURLWithPath: path))
            variables = try Variables(bytes: ["E_FILE": Array(path.utf8)], fileSecrets: .all)
        } else {
            // U+0001 stands for the byte 0xE9, which a Swift string literal cannot hold.
            let bytes = Array(file.utf8).map { $0 == 0x01 ? UInt8(0xE9) : $0 }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            variables = try Variables(bytes: [:], envFiles: [path])
        }
        var renderer = Renderer(policy: RenderPolicy(), variables: variables)
        #expect(renderer.renderBytes(Array("${E}".utf8), path: "t") == expected, "\(name)")
        #expect(renderer.diagnostics.isEmpty, "\(name)")
    }

    /// `${A:-` opened `depth` times around `x`.
    static func nested(_ depth: Int) -> String {
        String(repeating: "${A:-", count: depth) + "x" + String(repeating: "}", count: depth)
    }

    @Test(
        arguments: [
            ("the deepest nesting allowed renders", 64, nil),
            (
                "one level too deep is located at the reference", 65,
                "t:1:321: error: references nested more than 64 deep"
            ),
            (
                "ten thousand levels do not crash", 10_000,
                "t:1:321: error: references nested more than 64 deep"
            ),
            (
                "a hundred thousand levels do not crash", 100_000,
                "t:1:321: error: references nested more than 64 deep"
            ),
        ] as [(String, Int, String?)])
    func nestingDepthIsBounded(_ name: String, _ depth: Int, _ error: String?) {
        let (output, diagnostics) = render("line\n" + Self.nested(depth))
        if let error {
            #expect(diagnostics.hasPrefix(error.replacing("t:1:", with: "t:2:")), "\(name)")
            #expect(output == "line\n", "\(name)")
        } else {
            #expect(diagnostics.isEmpty, "\(name)")
            #expect(output == "line\nx", "\(name)")
        }
    }

    /// The error is located at the first reference whose expansion passes the limit (`at` is the
    /// text from its `$` on).
    @Test(arguments: [
        (
            "billion laughs by nested substitution", "${A//?/${A//?/${A//?/$A}}}",
            "${A//?/${A//?/$A}}}"
        ),
        ("a replacement that grows past the limit", "x ${B//?/${B}${B}${B}${B}}", "${B//?"),
        (
            "an assignment chain",
            "${C:=\(String(repeating: "$A", count: 16))}"
                + "${D:=\(String(repeating: "$C", count: 16))}"
                + "${E:=\(String(repeating: "$D", count: 16))}"
                + "${F:=\(String(repeating: "$E", count: 16))}", "${F:="
        ),
    ])
    func expansionSizeIsBounded(_ name: String, _ template: String, _ at: String) {
        let a = String(repeating: "a", count: 1000)
        let b = String(repeating: "b", count: 3000)
        let column =
            template.utf8.count
            - (template.firstRange(of: at).map { template[$0.lowerBound...].utf8.count } ?? 0) + 1
        let (output, diagnostics) = render(template, ["A": a, "B": b])
        #expect(
            diagnostics.hasPrefix("t:1:\(column): error: ${"), "\(name): \(diagnostics)")
        #expect(diagnostics.contains("expands to more than 16 MiB"), "\(name)")
        #expect(output.utf8.count < Renderer.maximumExpansion, "\(name)")
    }

    @Test func anExpansionJustUnderTheLimitRenders() {
        let a = String(repeating: "a", count: 4000)
        let (output, diagnostics) = render("${A//?/$A}", ["A": a])
        #expect(diagnostics.isEmpty)
        #expect(output.utf8.count == 16_000_000)
    }

    /// A 100k-character value under glob operators: the result, and a time budget that the quadratic
    /// search (90 s in a release build) could never meet even in a debug build.
    @Test(arguments: [
        ("a star between two letters, no b", "${A//a*b/X}", String(repeating: "a", count: 100_000)),
        ("a star between two letters, one match", "${L//a*b/X}", "X"),
        ("a star pattern replaced once", "${L/b*a/X}", "aXb"),
        ("a star-free pattern everywhere", "${L//ab/X}", String(repeating: "X", count: 50_000)),
        ("the longest prefix", "${L##a*a}", "b"),
        ("the shortest suffix", "${L%b*}", String(repeating: "ab", count: 49_999) + "a"),
        ("a set and a star", "${L//[ab]*[!a]/X}", "X"),
        ("case change with a pattern", "${L^^[a]}", String(repeating: "Ab", count: 50_000)),
    ])
    func globSearchIsLinear(_ name: String, _ template: String, _ expected: String) {
        let environment = [
            "A": String(repeating: "a", count: 100_000),
            "L": String(repeating: "ab", count: 50_000),
        ]
        let start = ContinuousClock.now
        let (output, diagnostics) = render(template, environment)
        let elapsed = ContinuousClock.now - start
        #expect(output == expected, "\(name)")
        #expect(diagnostics.isEmpty, "\(name)")
        #expect(elapsed < .seconds(3), "\(name): \(elapsed)")
    }
}
