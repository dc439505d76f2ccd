import Templater
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The lexer reads in chunks and counts lines lazily: rendering and diagnostics must not depend on where
/// the chunks end.
@Suite struct ChunkBoundaryTests {
    static let template = """
        héllo ${HOST} $$HOST ${MISSING}
        line two: ${PORT:-80} $NOPE ${A:-${B:-é}}
        ünïcode ${HOST^^} \\.php$ ${X:?needs X}
        ${UNTERMINATED
        """

    func render(
        _ template: String = Self.template, chunkSize: Int,
        policy: RenderPolicy = RenderPolicy(onUnset: .keep),
        variables: Variables = Variables(["HOST": "example.com"])
    ) throws -> (String, [String]) {
        let directory = Paths.temporaryDirectory("chunks")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/t", template)
        let fd = open(directory + "/t", O_RDONLY)
        defer { close(fd) }
        let input = ByteInput(fd: fd, name: "t", chunkSize: chunkSize)
        let outputPath = directory + "/out"
        let outFD = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let output = ByteOutput(fd: outFD, name: "out")
        var renderer = Renderer(policy: policy, variables: variables)
        try renderer.render(input, to: output)
        try output.flush()
        close(outFD)
        return (readText(outputPath) ?? "", renderer.diagnostics.map(\.description))
    }

    @Test(arguments: [1, 2, 3, 5, 7, 16, 64, 4096])
    func sameResultForEveryChunkSize(_ chunkSize: Int) throws {
        var whole = Renderer(
            policy: RenderPolicy(onUnset: .keep), variables: Variables(["HOST": "example.com"]))
        let wholeOutput = whole.renderString(Self.template, path: "t")
        let expected = whole.diagnostics.map(\.description)
        #expect(
            expected == [
                "t:3:26: error: X: needs X",
                "t:4:1: error: unterminated '${': no matching '}'\nt:4:1: note: write $${ for a literal '${', or \\} for a '}' inside a word",
            ])
        let (output, diagnostics) = try render(chunkSize: chunkSize)
        #expect(diagnostics == expected)
        // After the first error nothing more is written; up to it, the bytes are the same.
        #expect(wholeOutput.hasPrefix(output))
        #expect(
            output.hasPrefix(
                "héllo example.com $HOST ${MISSING}\nline two: 80 $NOPE é\nünïcode EXAMPLE.COM \\.php$ "
            ))
    }

    /// Random templates of references, operators and text, under every unset policy, with and without
    /// a selection and `--braces-only`: streamed through windows of 1 to 17 bytes, the renderer writes
    /// what `renderString` (which sees the whole text at once) produces, up to the first error, and
    /// reports the same diagnostics.
    @Test func randomTemplatesRenderTheSameForEveryChunkSize() throws {
        var random = SeededGenerator(seed: 0x6368_756E_6B73)
        let pieces = [
            "$", "$", "{", "}", "A", "B", "HOST", "_x", "1", " ", ":-", "-", "=", "#", "\\", "\n",
            "$$", "${A}", "${HOST}", "$host", "${NOPE}", "$NOPE", "${A:-d}", "é",
        ]
        let policies: [RenderPolicy] = [
            RenderPolicy(onUnset: .keep), RenderPolicy(onUnset: .empty),
            RenderPolicy(onUnset: .error),
            RenderPolicy(selection: try Selection(names: ["A", "HOST", "NOPE"]), onUnset: .error),
            RenderPolicy(onUnset: .keep, bracesOnly: true),
            RenderPolicy(onUnset: .empty, treatEmptyAsUnset: true),
        ]
        let variables = Variables(["A": "a-value", "B": "", "HOST": "example.com", "_x": "x"])
        for round in 0..<300 {
            let template = (0..<Int.random(in: 1...40, using: &random)).map { _ in
                pieces.randomElement(using: &random)!
            }.joined()
            let policy = policies[round % policies.count]
            var whole = Renderer(policy: policy, variables: variables)
            let expected = whole.renderString(template, path: "t")
            let expectedDiagnostics = whole.diagnostics.map(\.description)
            for chunkSize in [1, 2, 3, 5, 8, 13, 17] {
                let (output, diagnostics) = try render(
                    template, chunkSize: chunkSize, policy: policy, variables: variables)
                #expect(
                    diagnostics == expectedDiagnostics, "\(template) in \(chunkSize)-byte chunks")
                if expectedDiagnostics.isEmpty {
                    #expect(output == expected, "\(template) in \(chunkSize)-byte chunks")
                } else {
                    #expect(expected.hasPrefix(output), "\(template) in \(chunkSize)-byte chunks")
                }
            }
        }
    }
}
