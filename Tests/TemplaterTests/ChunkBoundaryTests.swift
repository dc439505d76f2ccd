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

    func render(chunkSize: Int) throws -> (String, [String]) {
        let directory = Paths.temporaryDirectory("chunks")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/t", Self.template)
        let fd = open(directory + "/t", O_RDONLY)
        defer { close(fd) }
        let input = ByteInput(fd: fd, name: "t", chunkSize: chunkSize)
        let outputPath = directory + "/out"
        let outFD = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let output = ByteOutput(fd: outFD, name: "out")
        var renderer = Renderer(
            policy: RenderPolicy(onUnset: .keep), variables: Variables(["HOST": "example.com"]))
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
}
