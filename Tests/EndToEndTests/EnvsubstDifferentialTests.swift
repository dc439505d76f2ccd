import Foundation
import TestSupport
import Testing

/// GNU envsubst 0.21 (`/usr/bin/envsubst`, gettext-base) is the oracle: on generated templates and
/// SHELL-FORMATs our binary, invoked as `envsubst` and as `templater envsubst`, must print the same
/// bytes and exit with the same status.
@Suite(.serialized) struct EnvsubstDifferentialTests {
    static let gnu = "/usr/bin/envsubst"

    /// Names set in the environment, and names that are not.
    static let setNames = [
        "A", "B", "AB", "_x", "a1", "EMPTY", "DOLLAR", "UTF", "LONG_NAME_ABOVE_SIXTEEN",
    ]
    static let unsetNames = ["C", "ABC", "NOPE", "LONG_NAME_ABOVE_SIXTEENX", "Z9"]

    static let environment: [String: String] = [
        "A": "aa", "B": "bb", "AB": "a b", "_x": "under", "a1": "lower", "EMPTY": "",
        "DOLLAR": "$A ${B} $$", "UTF": "é€\r\n", "LONG_NAME_ABOVE_SIXTEEN": "long",
    ]

    /// The pieces templates are made of: syntax, names, digits, line ends, NUL, UTF-8 and bytes that
    /// are not UTF-8.
    static let pieces: [[UInt8]] =
        [
            "$", "$", "$", "{", "}", "${", "$$", "1", "42", " ", "x", "-", ":-", "\\", "\r\n", "\n",
            "é", "€",
        ]
        .map { Array($0.utf8) } + (setNames + unsetNames).map { Array($0.utf8) }
        + [[0], [0xFF], [0xC3], [0x80], [0xE2, 0x82]]

    /// The pieces SHELL-FORMATs are made of (an argument is a C string: no NUL, and UTF-8 here).
    static let formatPieces: [String] =
        ["$", "$", "{", "}", "${", "$$", " ", ",", "1", "é", ":-"] + setNames + unsetNames

    struct Case: CustomStringConvertible {
        var template: [UInt8]
        var format: String?
        var description: String {
            let shown = String(decoding: template, as: UTF8.self).debugDescription
            return "template \(shown), format \(format?.debugDescription ?? "none")"
        }
    }

    /// A few hundred cases from a fixed seed, so that a failure reproduces.
    static func cases(count: Int = 300) -> [Case] {
        var random = SeededGenerator(seed: 0x656E_7673_7562_7374)
        return (0..<count).map { _ in
            var template: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &random) {
                template += pieces.randomElement(using: &random) ?? []
            }
            let format: String?
            switch Int.random(in: 0..<10, using: &random) {
            case 0...2: format = nil
            case 3: format = ""
            default:
                format = (0..<Int.random(in: 1...8, using: &random)).map { _ in
                    formatPieces.randomElement(using: &random) ?? ""
                }.joined()
            }
            return Case(template: template, format: format)
        }
    }

    @Test func generatedTemplatesMatchGNU() throws {
        for testCase in Self.cases() {
            let arguments = testCase.format.map { [$0] } ?? []
            let expected = try run(
                Self.gnu, arguments, environment: Self.environment, stdin: testCase.template)
            let asEnvsubst = try run(
                Paths.binary("entrypoint"), arguments, argv0: "envsubst",
                environment: Self.environment, stdin: testCase.template)
            let asTemplater = try run(
                Paths.binary("templater"), ["envsubst"] + arguments,
                environment: Self.environment, stdin: testCase.template)
            #expect(asEnvsubst.stdout == expected.stdout, "envsubst: \(testCase)")
            #expect(asEnvsubst.status == expected.status, "envsubst: \(testCase)")
            #expect(asTemplater.stdout == expected.stdout, "templater envsubst: \(testCase)")
            #expect(asTemplater.status == expected.status, "templater envsubst: \(testCase)")
        }
    }

    @Test func variablesListingMatchesGNU() throws {
        for testCase in Self.cases(count: 100) {
            let arguments = ["-v"] + (testCase.format.map { [$0] } ?? [])
            let expected = try run(Self.gnu, arguments, environment: Self.environment)
            let actual = try run(
                Paths.binary("entrypoint"), arguments, argv0: "envsubst",
                environment: Self.environment)
            #expect(actual.stdout == expected.stdout, "\(testCase)")
            #expect(actual.status == expected.status, "\(testCase)")
        }
    }

    /// Several MiB through real pipes and files: references cut by every read boundary.
    @Test(arguments: [nil, "$A ${B} $LONG_NAME_ABOVE_SIXTEEN $NOPE"])
    func largeInputMatchesGNU(format: String?) throws {
        var random = SeededGenerator(seed: 47)
        var template: [UInt8] = []
        while template.count < 3 << 20 {
            template += Self.pieces.randomElement(using: &random) ?? []
        }
        let directory = Paths.temporaryDirectory("envsubst")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/in", bytes: template)
        let arguments = format.map { [$0] } ?? []
        let expected = try shell(
            Self.gnu, arguments, "< in > gnu.out", directory: directory)
        let actual = try shell(
            Paths.binary("entrypoint"), arguments, "< in > our.out", argv0: "envsubst",
            directory: directory)
        #expect(expected.status == .exited(0))
        #expect(actual.status == .exited(0))
        let gnuOutput = readFile(directory + "/gnu.out")
        #expect(gnuOutput != nil)
        #expect(readFile(directory + "/our.out") == gnuOutput)
    }

    @Test func sixThousandVariablesMatchGNU() throws {
        var environment = Self.environment
        for index in 0..<6000 { environment["VARIABLE_\(index)"] = "value-\(index)" }
        let template = Array(
            (0..<6000).map { "${VARIABLE_\($0)}|$VARIABLE_\($0)_|" }.joined().utf8)
        let directory = Paths.temporaryDirectory("envsubst")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/in", bytes: template)
        for format in [nil, "$VARIABLE_0 ${VARIABLE_5999} $VARIABLE_3000"] {
            let arguments = format.map { [$0] } ?? []
            let expected = try shell(
                Self.gnu, arguments, "< in > gnu.out", directory: directory,
                environment: environment)
            let actual = try shell(
                Paths.binary("entrypoint"), arguments, "< in > our.out", argv0: "envsubst",
                directory: directory, environment: environment)
            #expect(actual.status == expected.status)
            #expect(readFile(directory + "/our.out") == readFile(directory + "/gnu.out"))
            #expect(readFile(directory + "/our.out")?.isEmpty == false)
        }
    }

    /// Values need not be UTF-8, and of two entries with one name the first wins (as `getenv`):
    /// through every way envsubst mode is reached (the environment reaches it as `RawEnvironment`).
    @Test(arguments: [
        ("entrypoint", "envsubst", [String]()), ("templater", "envsubst", []),
        ("templater", "templater", ["envsubst"]), ("wait-for", "envsubst", []),
        ("entrypoint", "templater", ["envsubst"]),
    ])
    func rawEnvironmentMatchesGNU(binary: String, argv0: String, arguments: [String]) throws {
        let environment = ["V=\u{FF}ignored", "A=first", "A=second", "NOEQUALS", "=empty name"]
        let template = Array("[$V][$A][${NOEQUALS}]".utf8)
        let directory = Paths.temporaryDirectory("envsubst")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/in", bytes: template)
        // The value of V is the single byte 0xFF followed by text: patched in after encoding.
        let expected = try spawnWithRawEnvironment(
            Self.gnu, argv0: "envsubst", environment: environment, directory: directory)
        let actual = try spawnWithRawEnvironment(
            Paths.binary(binary), argv0: argv0, arguments: arguments, environment: environment,
            directory: directory)
        #expect(expected == Array("[\u{FF}ignored][first][]".utf8).invalidatingFirstFF())
        #expect(actual == expected)
    }
}

/// Runs `binary arguments` under bash with `redirections` (e.g. `< in > out`, `>&-`) in `directory`,
/// as argv[0] `argv0` when given.
func shell(
    _ binary: String, _ arguments: [String], _ redirections: String, argv0: String? = nil,
    directory: String? = nil, environment: [String: String]? = nil
) throws -> ProcessResult {
    let exec = argv0.map { "exec -a \($0)" } ?? "exec"
    let script =
        (directory.map { "cd '\($0)' || exit 99; " } ?? "")
        + "\(exec) \"$0\" \"$@\" \(redirections)"
    return try run("/bin/bash", ["-c", script, binary] + arguments, environment: environment)
}

extension Array where Element == UInt8 {
    /// Replaces the UTF-8 encoding of U+00FF (C3 BF) with the lone byte FF.
    func invalidatingFirstFF() -> [UInt8] {
        guard
            let index = indices.dropLast().first(where: { self[$0] == 0xC3 && self[$0 + 1] == 0xBF }
            )
        else { return self }
        return Array(self[..<index]) + [0xFF] + Array(self[(index + 2)...])
    }
}

/// Spawns `path` (as `argv0`, with `arguments`) with exactly `environment` as its `envp` (duplicates and all; U+00FF in an entry
/// becomes the lone byte 0xFF), stdin from `directory/in`, and returns its stdout.
func spawnWithRawEnvironment(
    _ path: String, argv0: String, arguments: [String] = [], environment: [String],
    directory: String
) throws -> [UInt8] {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, directory + "/in", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(
        &actions, 1, directory + "/raw.out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let entries: [[CChar]] = environment.map { entry in
        Array(entry.utf8).invalidatingFirstFF().map { CChar(bitPattern: $0) } + [0]
    }
    var pointers: [UnsafeMutablePointer<CChar>?] = entries.map { entry in
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: entry.count)
        copy.initialize(from: entry, count: entry.count)
        return copy
    }
    pointers.append(nil)
    defer { for pointer in pointers { pointer?.deallocate() } }
    var argv: [UnsafeMutablePointer<CChar>?] = ([argv0] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, path, &actions, nil, &argv, &pointers)
    guard result == 0 else { throw RawSpawnError(path: path, code: result) }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return readFile(directory + "/raw.out") ?? []
}

/// `posix_spawn` failed.
struct RawSpawnError: Error {
    var path: String
    var code: Int32
}
