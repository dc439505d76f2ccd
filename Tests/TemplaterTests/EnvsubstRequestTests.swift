import Templater
import Testing

/// Command lines as GNU envsubst 0.21 reads them (checked against /usr/bin/envsubst).
@Suite struct EnvsubstRequestTests {
    static let accepted: [(String, [String], EnvsubstRequest)] = [
        ("no arguments substitute every name", [], .substitute(selection: nil)),
        ("one operand is the SHELL-FORMAT", ["$A"], .substitute(selection: ShellFormat("$A"))),
        ("empty SHELL-FORMAT", [""], .substitute(selection: ShellFormat(""))),
        ("dash alone is an operand", ["-"], .substitute(selection: ShellFormat("-"))),
        ("variables", ["-v", "$A"], .listVariables(ShellFormat("$A"))),
        ("variables after the operand", ["$A", "--variables"], .listVariables(ShellFormat("$A"))),
        ("abbreviated long option", ["--var", "$A"], .listVariables(ShellFormat("$A"))),
        ("double dash ends options", ["--", "-v"], .substitute(selection: ShellFormat("-v"))),
        ("version wins over help", ["-h", "--version"], .version),
        ("bundled short options", ["-vV"], .version),
        ("help ignores extra operands", ["a", "b", "--help"], .help),
        ("abbreviated help", ["--h"], .help),
        ("abbreviated version", ["--vers"], .version),
    ]

    @Test(arguments: accepted)
    func accepts(_ name: String, _ arguments: [String], _ expected: EnvsubstRequest) throws {
        #expect(try EnvsubstRequest(arguments: arguments) == expected)
    }

    static let rejected: [(String, [String], EnvsubstUsageError, String)] = [
        ("two operands", ["a", "b"], .tooManyArguments, "too many arguments"),
        (
            "operand after double dash", ["-v", "--", "$A", "-v"], .tooManyArguments,
            "too many arguments"
        ),
        ("variables without format", ["-v"], .missingArguments, "missing arguments"),
        ("unknown short option", ["-x"], .invalidOption("x"), "invalid option -- 'x'"),
        ("unknown option in a bundle", ["-vx"], .invalidOption("x"), "invalid option -- 'x'"),
        (
            "bad option after version", ["--version", "-x"], .invalidOption("x"),
            "invalid option -- 'x'"
        ),
        (
            "unknown long option", ["--foo"], .unrecognizedOption("--foo"),
            "unrecognized option '--foo'"
        ),
        (
            "ambiguous abbreviation", ["--v"],
            .ambiguousOption("--v", candidates: ["--variables", "--version"]),
            "option '--v' is ambiguous; possibilities: '--variables' '--version'"
        ),
        (
            "value for a flag", ["--va=1"], .unexpectedValue(option: "--variables"),
            "option '--variables' doesn't allow an argument"
        ),
    ]

    @Test(arguments: rejected)
    func rejects(_ name: String, _ arguments: [String], _ error: EnvsubstUsageError, _ text: String)
    {
        #expect(throws: error) { try EnvsubstRequest(arguments: arguments) }
        #expect(error.description == text)
    }

    /// Found by the differential fuzzer: getopt reads bytes, a `String` compares characters.
    static let bytes: [(String, [[UInt8]], Result<EnvsubstRequest, EnvsubstUsageError>)] = [
        // "-\u{301}" is one Character, which is not "-": it was taken for a SHELL-FORMAT.
        (
            "dash and a combining accent is an option", [[0x2D, 0xCC, 0x81]],
            .failure(.invalidOption("\u{FFFD}"))
        ),
        (
            "two dashes and a combining accent is a long option", [[0x2D, 0x2D, 0xCC, 0x81]],
            .failure(.unrecognizedOption("--\u{301}"))
        ),
        (
            "an invalid byte is an invalid option", [[0x2D, 0x76, 0xFF]],
            .failure(.invalidOption("\u{FFFD}"))
        ),
        (
            "invalid UTF-8 in the SHELL-FORMAT", [[0xFF, 0x24, 0x41, 0xC3]],
            .success(.substitute(selection: ShellFormat("$A")))
        ),
    ]

    @Test(arguments: bytes)
    func readsBytes(
        _ name: String, _ arguments: [[UInt8]],
        _ expected: Result<EnvsubstRequest, EnvsubstUsageError>
    ) {
        #expect(
            Result { () throws(EnvsubstUsageError) in try EnvsubstRequest(bytes: arguments) }
                == expected)
        if let text = arguments.first.flatMap({ String(validating: $0, as: UTF8.self) }) {
            #expect(
                Result { () throws(EnvsubstUsageError) in try EnvsubstRequest(arguments: [text]) }
                    == expected)
        }
    }

    @Test func posixlyCorrectStopsOptionsAtTheFirstOperand() throws {
        #expect(throws: EnvsubstUsageError.tooManyArguments) {
            try EnvsubstRequest(arguments: ["$A", "-v"], posixlyCorrect: true)
        }
        #expect(
            try EnvsubstRequest(arguments: ["-v", "$A"], posixlyCorrect: true)
                == .listVariables(ShellFormat("$A")))
    }
}
