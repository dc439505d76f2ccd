import Glibc
import Platform
import Templater
import TestSupport
import Testing

/// One substitution: a template, an optional SHELL-FORMAT and the expected output (GNU envsubst 0.21's).
struct SubstitutionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var template: [UInt8]
    var format: String?
    var expected: [UInt8]

    init(_ name: String, _ template: String, format: String? = nil, _ expected: String) {
        self.init(name, bytes: Array(template.utf8), format: format, Array(expected.utf8))
    }

    init(_ name: String, bytes template: [UInt8], format: String? = nil, _ expected: [UInt8]) {
        self.name = name
        self.template = template
        self.format = format
        self.expected = expected
    }

    var testDescription: String { name }
}

/// The environment of every case.
private let environment: [String: String] = [
    "A": "aa", "B": "bb", "AB": "a-b", "EMPTY": "", "_x": "under", "a_1": "lower",
    "DOLLAR": "$A ${B}", "LONG_NAME_OF_TWENTY_": "twenty", "UTF8": "é€",
]

private let allNames: [SubstitutionCase] = [
    .init("bare reference", "$A", "aa"),
    .init("braced reference", "${A}", "aa"),
    .init("unset variable vanishes", "x$NOPE y${NOPE}z", "x yz"),
    .init("empty variable", "[$EMPTY${EMPTY}]", "[]"),
    .init("name ends at a non-name byte", "$A-$B.$A", "aa-bb.aa"),
    .init("longest name is taken", "$AB $ABC", "a-b "),
    .init("lower case and underscore", "$_x ${a_1}", "under lower"),
    .init("digit cannot start a name", "$1 ${1} $9A", "$1 ${1} $9A"),
    .init("double dollar", "$$A $$", "$aa $$"),
    .init("dollar at the end", "a$", "a$"),
    .init("dollar brace at the end", "a${", "a${"),
    .init("unclosed brace", "${A x", "${A x"),
    .init("unclosed brace at the end", "x${A", "x${A"),
    .init("operators are copied", "${A:-x} ${A-x} ${#A} ${A%a}", "${A:-x} ${A-x} ${#A} ${A%a}"),
    .init("empty braces", "${} ${ A}", "${} ${ A}"),
    .init("dollar inside braces", "${$A}", "${aa}"),
    .init("stray closing braces", "}$A}}", "}aa}}"),
    .init("values are not expanded again", "$DOLLAR", "$A ${B}"),
    .init("no escapes", "\\$A \\${B}", "\\aa \\bb"),
    .init("CRLF kept", "$A\r\n${B}\r\n", "aa\r\nbb\r\n"),
    .init("no final newline", "line\n$A", "line\naa"),
    .init("UTF-8 letter ends a name", "$Aé ${Aé}", "aaé ${Aé}"),
    .init("UTF-8 values", "$UTF8", "é€"),
    .init("long name", "${LONG_NAME_OF_TWENTY_}|$LONG_NAME_OF_TWENTY_", "twenty|twenty"),
    .init("long unset name", "[$LONG_NAME_OF_TWENTY_X]", "[]"),
    .init("text without references", "plain text\n", "plain text\n"),
    .init("empty input", "", ""),
    .init(
        "NUL bytes kept", bytes: [0x61, 0, 0x24, 0x41, 0, 0x24], [0x61, 0, 0x61, 0x61, 0, 0x24]),
    .init(
        "invalid UTF-8 kept", bytes: [0xFF, 0x24, 0x41, 0xC3, 0x24, 0x7B, 0x42, 0x7D, 0x80],
        [0xFF, 0x61, 0x61, 0xC3, 0x62, 0x62, 0x80]),
]

private let selectedNames: [SubstitutionCase] = [
    .init("only selected names", "$A ${B} $AB", format: "$A", "aa ${B} $AB"),
    .init("several names", "$A ${B} $AB", format: "${A} $B", "aa bb $AB"),
    .init("empty SHELL-FORMAT substitutes nothing", "$A ${B} $NOPE", format: "", "$A ${B} $NOPE"),
    .init("selected but unset vanishes", "[$NOPE${NOPE}]", format: "$NOPE", "[]"),
    .init("unselected braced reference copied", "${B}${A}", format: "$A", "${B}aa"),
    .init("unselected operators copied", "${A:-x}", format: "$A", "${A:-x}"),
    .init("unclosed brace in the format selects nothing", "$A $B", format: "${A $B", "$A bb"),
    .init("double dollar in the format selects", "$A", format: "$$A", "aa"),
    .init("brace then dollar in the format selects", "$A", format: "${$A}", "aa"),
    .init("duplicates in the format", "$A", format: "$A $A ${A}", "aa"),
    .init("format text around names", "$A$B", format: "x=$A, y=${B}!", "aabb"),
    .init("format without names", "$A", format: "A B {A} $ ${ $1", "$A"),
]

@Suite struct EnvsubstScannerTests {
    /// Tiny chunks cut references at every possible place; the default is one read for these inputs.
    static let chunkSizes = [1, 2, 3, 5, 16, ByteInput.chunkSize]

    @Test(arguments: allNames, chunkSizes)
    func substitutesEveryName(_ row: SubstitutionCase, chunkSize: Int) throws {
        #expect(try render(row, chunkSize: chunkSize) == row.expected)
    }

    @Test(arguments: selectedNames, chunkSizes)
    func substitutesSelectedNames(_ row: SubstitutionCase, chunkSize: Int) throws {
        #expect(try render(row, chunkSize: chunkSize) == row.expected)
    }

    @Test func lookupKeepsTheFirstDefinitionLikeGetenv() {
        var lookup = EnvsubstLookup(selection: nil)
        lookup.define(name: "A", value: "first")
        lookup.define(name: "A", value: "second")
        lookup.define(name: "1A", value: "not a name")
        #expect(lookup.replacement(for: "A") == Array("first".utf8))
        #expect(lookup.replacement(for: "UNSET") == [])
        #expect(lookup.replacement(for: "1A") == nil)
    }

    @Test func selectionLookupIgnoresOtherNames() {
        var lookup = EnvsubstLookup(selection: ShellFormat("$A $UNSET"))
        lookup.define(name: "A", value: "a")
        lookup.define(name: "B", value: "b")
        #expect(lookup.replacement(for: "A") == Array("a".utf8))
        #expect(lookup.replacement(for: "UNSET") == [])
        #expect(lookup.replacement(for: "B") == nil)
    }

    @Test func sixThousandVariables() throws {
        var environment: [String: String] = [:]
        for index in 0..<6000 { environment["VARIABLE_NUMBER_\(index)"] = "value \(index)" }
        let lookup = EnvsubstLookup(environment: environment, selection: nil)
        for index in stride(from: 0, to: 6000, by: 7) {
            #expect(
                lookup.replacement(for: "VARIABLE_NUMBER_\(index)") == Array("value \(index)".utf8))
        }
        let template = (0..<6000).map { "${VARIABLE_NUMBER_\($0)};" }.joined()
        let expected = (0..<6000).map { "value \($0);" }.joined()
        let output = try render(Array(template.utf8), lookup: lookup, chunkSize: 4096)
        #expect(output == Array(expected.utf8))
    }

    @Test(arguments: [1, 7, ByteInput.chunkSize])
    func nameLongerThanAChunk(chunkSize: Int) throws {
        let name = "N" + String(repeating: "x", count: 100_000)
        let lookup = EnvsubstLookup(environment: [name: "long"], selection: nil)
        let template = "<$\(name)><${\(name)}><${\(name)>"
        let output = try render(Array(template.utf8), lookup: lookup, chunkSize: chunkSize)
        #expect(output == Array("<long><long><${\(name)>".utf8))
    }

    @Test func readErrorIsReported() throws {
        let directory = Paths.temporaryDirectory("envsubst")
        defer { Paths.removeTree(directory) }
        let input = open(directory, O_RDONLY)
        defer { close(input) }
        let scanner = EnvsubstScanner(lookup: EnvsubstLookup(selection: nil))
        #expect(throws: EnvsubstFailure.read(SystemError(errno: EISDIR, operation: "read(in)"))) {
            try scanner.render(ByteInput(fd: input, name: "in"), to: ByteOutput.discard())
        }
    }

    @Test func writeErrorIsReportedAfterTheInputIsRead() throws {
        let directory = Paths.temporaryDirectory("envsubst")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/in", String(repeating: "$A text\n", count: 100_000))
        let input = open(directory + "/in", O_RDONLY)
        let full = open("/dev/full", O_WRONLY)
        defer {
            close(input)
            close(full)
        }
        let scanner = EnvsubstScanner(
            lookup: EnvsubstLookup(environment: environment, selection: nil))
        let reader = ByteInput(fd: input, name: "in")
        #expect(throws: EnvsubstFailure.write(SystemError(errno: ENOSPC, operation: "write(out)")))
        {
            try scanner.render(reader, to: ByteOutput(fd: full, name: "out"))
        }
        #expect(reader.reachedEnd)
    }

    private func render(_ row: SubstitutionCase, chunkSize: Int) throws -> [UInt8] {
        let lookup = EnvsubstLookup(
            environment: environment, selection: row.format.map { ShellFormat($0) })
        return try render(row.template, lookup: lookup, chunkSize: chunkSize)
    }

    /// Renders `template` from a file, read `chunkSize` bytes at a time, into a file.
    private func render(_ template: [UInt8], lookup: EnvsubstLookup, chunkSize: Int) throws
        -> [UInt8]
    {
        let directory = Paths.temporaryDirectory("envsubst")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/in", bytes: template)
        let input = open(directory + "/in", O_RDONLY)
        let output = open(directory + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(input) }
        try EnvsubstScanner(lookup: lookup).render(
            ByteInput(fd: input, name: "in", chunkSize: chunkSize),
            to: ByteOutput(fd: output, name: "out"))
        close(output)
        return readFile(directory + "/out") ?? []
    }
}
