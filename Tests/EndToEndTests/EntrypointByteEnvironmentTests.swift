import Glibc
import TestSupport
import Testing

/// A value that is not UTF-8 (`\xe9t\xe9`, Latin-1 "été") reaches everything the entrypoint starts
/// or renders byte for byte, wherever it came from: a `_FILE` secret, `--secrets-dir`, an
/// `--env-file` (files the entrypoint reads itself) or the process environment. Each invalid byte
/// used to become U+FFFD (`ef bf bd`) for the first three, whose values the secrets phase held as
/// `String`s.
///
/// Every row runs under bash, which can set such a value (the harness's environments are `String`s).
@Suite struct EntrypointByteEnvironmentTests {
    static let entrypoint = Paths.binary("entrypoint")
    static let waitFor = Paths.binary("wait-for")
    /// `V`'s bytes as `od -An -tx1` prints them.
    static let dumped = " e9 74 e9\n"

    /// Where `V` comes from: the bash words before the entrypoint, and its options.
    struct Source: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var assignment: String
        var options: String
    }

    /// What receives `V`: the entrypoint's options and command (then what the row prints), and the
    /// bytes printed.
    struct Sink: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var command: String
        var expected: String
    }

    static let sources = [
        Source(
            testDescription: "a _FILE secret", assignment: "V_FILE=secret", options: "--file-env=V"),
        Source(testDescription: "--secrets-dir", assignment: "", options: "--secrets-dir secrets"),
        Source(testDescription: "an --env-file", assignment: "", options: "--env-file app.env"),
        Source(
            testDescription: "the process environment", assignment: "V=$'\\xe9t\\xe9'", options: ""),
    ]

    static let sinks = [
        Sink(
            testDescription: "the exec'd server",
            command: "-- sh -c 'printf %s \"$V\" | od -An -tx1'", expected: dumped),
        Sink(
            testDescription: "the --init child",
            command: "--init -- sh -c 'printf %s \"$V\" | od -An -tx1'", expected: dumped),
        Sink(
            testDescription: "a hook",
            command: "--hook 'sh -c \"printf %s \\\"\\$V\\\" | od -An -tx1\"' -- true",
            expected: dumped),
        Sink(
            testDescription: "a rendered template",
            command: "--template u.t:out -- true && od -An -tx1 out",
            expected: " 61 20 e9 74 e9 0a\n"),
    ]

    @Test(arguments: sources, sinks)
    func aValueThatIsNotUTF8IsPassedOnByteForByte(_ source: Source, _ sink: Sink) throws {
        let directory = Paths.temporaryDirectory("bytes")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/secret", bytes: [0xE9, 0x74, 0xE9, 0x0A])
        mkdir(directory + "/secrets", 0o755)
        writeFile(directory + "/secrets/v", bytes: [0xE9, 0x74, 0xE9])
        writeFile(directory + "/app.env", bytes: Array("V=".utf8) + [0xE9, 0x74, 0xE9, 0x0A])
        writeFile(directory + "/u.t", "a ${V}\n")
        let line = "\(source.assignment) \(Self.entrypoint) \(source.options) \(sink.command)"
        let result = try run(
            "/bin/bash", ["-c", line], environment: ["PATH": "/usr/bin:/bin"],
            directory: directory)
        let row = "\(source.testDescription) to \(sink.testDescription)"
        #expect(result.status == .exited(0), "\(row): \(result.err)")
        #expect(result.out == sink.expected, "\(row)")
    }

    /// `wait-for ... -- COMMAND` passes its own environment on as it is, too.
    @Test func waitForPassesTheProcessEnvironmentOnByteForByte() throws {
        let result = try run(
            "/bin/bash",
            [
                "-c",
                "V=$'\\xe9t\\xe9' \(Self.waitFor) file:///bin/sh -- "
                    + "sh -c 'printf %s \"$V\" | od -An -tx1'",
            ],
            environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(result.out == Self.dumped)
    }
}
