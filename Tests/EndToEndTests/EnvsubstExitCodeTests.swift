import Foundation
import TestSupport
import Testing

/// Every exit status envsubst mode can produce, next to GNU envsubst's for the same situation, with our
/// messages asserted in full.
@Suite struct EnvsubstExitCodeTests {
    struct Situation: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        /// bash redirections around the command (stdin defaults to the template `$A\n`).
        var redirections: String
        var status: TerminationStatus
        var stdout: String
        var stderr: String
        var testDescription: String { name }
    }

    static let situations: [Situation] = [
        .init(
            name: "success", arguments: [], redirections: "<<< '$A'", status: .exited(0),
            stdout: "aa\n", stderr: ""),
        .init(
            name: "success with a SHELL-FORMAT", arguments: ["$B"], redirections: "<<< '$A'",
            status: .exited(0), stdout: "$A\n", stderr: ""),
        .init(
            name: "variables", arguments: ["-v", "$A ${B}"], redirections: "<&-",
            status: .exited(0), stdout: "A\nB\n", stderr: ""),
        .init(
            name: "too many arguments", arguments: ["$A", "$B"], redirections: "",
            status: .exited(1),
            stdout: "", stderr: "envsubst: error: too many arguments\n"),
        .init(
            name: "variables without SHELL-FORMAT", arguments: ["--variables"], redirections: "",
            status: .exited(1), stdout: "", stderr: "envsubst: error: missing arguments\n"),
        .init(
            name: "unknown short option", arguments: ["-x"], redirections: "", status: .exited(1),
            stdout: "",
            stderr: "envsubst: error: invalid option -- 'x'; try 'envsubst --help'\n"),
        .init(
            name: "unknown long option", arguments: ["--foo"], redirections: "", status: .exited(1),
            stdout: "",
            stderr: "envsubst: error: unrecognized option '--foo'; try 'envsubst --help'\n"),
        .init(
            name: "ambiguous option", arguments: ["--v"], redirections: "", status: .exited(1),
            stdout: "",
            stderr:
                "envsubst: error: option '--v' is ambiguous; possibilities: '--variables' '--version'; try 'envsubst --help'\n"
        ),
        .init(
            name: "flag given a value", arguments: ["--help=yes"], redirections: "",
            status: .exited(1), stdout: "",
            stderr:
                "envsubst: error: option '--help' doesn't allow an argument; try 'envsubst --help'\n"
        ),
        .init(
            name: "output device full", arguments: [], redirections: "<<< '$A' > /dev/full",
            status: .exited(1), stdout: "",
            stderr: "envsubst: error: write error: No space left on device\n"),
        .init(
            name: "variables to a full device", arguments: ["-v", "$A"],
            redirections: "> /dev/full",
            status: .exited(1), stdout: "",
            stderr: "envsubst: error: write error: No space left on device\n"),
        .init(
            name: "help to a full device", arguments: ["--help"], redirections: "> /dev/full",
            status: .exited(1), stdout: "",
            stderr: "envsubst: error: write error: No space left on device\n"),
        .init(
            name: "stdout closed", arguments: [], redirections: "<<< '$A' >&-", status: .exited(1),
            stdout: "", stderr: "envsubst: error: write error: Bad file descriptor\n"),
        .init(
            name: "stdout closed and nothing to write", arguments: [],
            redirections: "< /dev/null >&-",
            status: .exited(0), stdout: "", stderr: ""),
        .init(
            name: "stdin is a directory", arguments: [], redirections: "< /", status: .exited(1),
            stdout: "",
            stderr: "envsubst: error: error while reading \"standard input\": Is a directory\n"),
        .init(
            name: "stdin closed", arguments: [], redirections: "<&-", status: .exited(1),
            stdout: "",
            stderr: "envsubst: error: error while reading \"standard input\": Bad file descriptor\n"
        ),
    ]

    static let environment = ["A": "aa", "B": "bb"]

    @Test(arguments: situations)
    func asEnvsubst(_ situation: Situation) throws {
        let gnu = try shell(
            "/usr/bin/envsubst", situation.arguments, situation.redirections, argv0: "envsubst",
            environment: Self.environment)
        let ours = try shell(
            Paths.binary("entrypoint"), situation.arguments, situation.redirections,
            argv0: "envsubst", environment: Self.environment)
        #expect(gnu.status == situation.status)
        #expect(gnu.stdout == Array(situation.stdout.utf8))
        #expect(ours.status == situation.status)
        #expect(ours.out == situation.stdout)
        #expect(ours.err == situation.stderr)
    }

    @Test(arguments: situations)
    func asTemplaterEnvsubst(_ situation: Situation) throws {
        let ours = try shell(
            Paths.binary("templater"), ["envsubst"] + situation.arguments, situation.redirections,
            environment: Self.environment)
        #expect(ours.status == situation.status)
        #expect(ours.out == situation.stdout)
        #expect(ours.err == situation.stderr)
    }

    /// A reader that goes away: killed by SIGPIPE like GNU (141), or, with SIGPIPE ignored, exit 0
    /// without a message (gettext's `fwriteerror` ignores EPIPE) after reading all of stdin, so that
    /// the writer upstream (`tr`) sees no broken pipe either.
    @Test(arguments: [("", "141"), ("trap '' PIPE; ", "0 0")])
    func closedPipe(_ prefix: String, _ expected: String) throws {
        let statuses = prefix.isEmpty ? "${PIPESTATUS[2]}" : "${PIPESTATUS[1]} ${PIPESTATUS[2]}"
        for (binary, argv0) in [
            ("/usr/bin/envsubst", "envsubst"), (Paths.binary("entrypoint"), "envsubst"),
        ] {
            let script =
                prefix
                + "head -c 3000000 /dev/zero | tr '\\0' x | (exec -a \(argv0) \"$0\")"
                + " | head -c 1 > /dev/null; echo \"\(statuses)\""
            let result = try run("/bin/bash", ["-c", script, binary])
            #expect(result.out == expected + "\n", "\(binary)")
        }
    }

    @Test(arguments: [["--help"], ["-h"], ["--version"], ["-V"]])
    func helpAndVersionSucceed(_ arguments: [String]) throws {
        let result = try run(Paths.binary("entrypoint"), arguments, argv0: "envsubst")
        #expect(result.status == .exited(0))
        #expect(result.out.contains("envsubst"))
        #expect(result.err == "")
    }
}
