import Entrypoint
import Glibc
import Platform
import TestSupport
import Testing

/// `Startup.run()` in process: the phases, then the `Launch` it returns — nothing is exec'd. Each run
/// happens in a forked child (`inChildProcess`): start-up installs signal handlers and reaps
/// children, which the test process must not.
@Suite struct StartupTests {
    /// A start-up of `configuration` over `environment`, run in a child; its log lines (`level:
    /// message`) and what it returned or threw, as text.
    static func run(_ configuration: Configuration, _ environment: Environment) -> String {
        inChildProcess {
            let collected = CollectedLines()
            let log = Log(level: .info) { level, message in
                collected.lines.append("\(level.name): \(message)")
            }
            let outcome: String
            do throws(EntrypointError) {
                let startup = Startup(
                    configuration: configuration, environment: environment, log: log)
                outcome = describe(try startup.run())
            } catch {
                outcome = "error \(error.exitCode): \(error.description)"
            }
            return (collected.lines + [outcome]).joined(separator: "\n")
        }
    }

    /// The launch as text: its case, command and environment (`NAME=value`, bytes escaped).
    static func describe(_ launch: Launch) -> String {
        switch launch {
        case .exec(let command, let environment):
            return "exec \(command.joined(separator: " "))\n" + lines(environment)
        case .supervise(let command, let environment, let profile, let watch):
            return
                "supervise \(command.joined(separator: " ")) (stop signal \(profile.stopSignal), "
                + "watch \(watch == nil ? "none" : "armed"))\n" + lines(environment)
        case .dryRun(let plan):
            return "dry run\n" + plan
        }
    }

    static func lines(_ environment: Environment) -> String {
        environment.lines.map(escaped).joined(separator: "\n")
    }

    /// A configuration running `command` with the defaults (`--file-env` auto).
    static func configuration(_ command: [String] = ["server", "--port", "80"]) -> Configuration {
        var configuration = Configuration()
        configuration.command = command
        return configuration
    }

    @Test func aFileSecretIsReadIntoItsVariableByteForByte() throws {
        let directory = Paths.temporaryDirectory("startup")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/db", bytes: [0xE9, 0x74, 0xE9, 0x0A, 0x0A])
        let output = Self.run(
            Self.configuration(),
            Environment(bytes: [
                "PATH": Array("/bin".utf8), "DB_PASSWORD_FILE": Array((directory + "/db").utf8),
                "LATIN": [0x63, 0x61, 0x66, 0xE9],
            ]))
        #expect(
            output == """
                info: secrets: DB_PASSWORD from \(directory)/db
                exec server --port 80
                DB_PASSWORD=\\xe9t\\xe9
                LATIN=caf\\xe9
                PATH=/bin
                """)
    }

    @Test func anEnvFileIsUnderTheProcessEnvironmentAndKeepsItsBytes() throws {
        let directory = Paths.temporaryDirectory("startup")
        defer { Paths.removeTree(directory) }
        writeFile(
            directory + "/app.env",
            bytes: Array("A=from file\nB=".utf8) + [0xFF] + Array("\nC=${A}-${B}\n".utf8))
        var configuration = Self.configuration(["server"])
        configuration.envFiles = [directory + "/app.env"]
        let output = Self.run(configuration, ["A": "from environment"])
        #expect(
            output == """
                exec server
                A=from environment
                B=\\xff
                C=from environment-\\xff
                """)
    }

    @Test func hooksRunInOrderAndWhatTheyWriteToEntrypointEnvReachesTheCommand() throws {
        var configuration = Self.configuration(["server"])
        configuration.hooks = [
            try Hook(command: "sh -c 'echo FIRST=1 >> \"$ENTRYPOINT_ENV\"'"),
            try Hook(
                command: "sh -c 'test \"$FIRST\" = 1 && printf \"SECOND<<END\\na\\nb\\nEND\\n\" "
                    + ">> \"$ENTRYPOINT_ENV\"'"),
        ]
        let output = Self.run(configuration, ["PATH": "/usr/bin:/bin"])
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("info: hook 'sh -c") || !$0.contains("' done in ") }
            .joined(separator: "\n")
        #expect(
            lines == """
                info: running hook 1/2: sh -c 'echo FIRST=1 >> "$ENTRYPOINT_ENV"'
                info: hook 'sh -c 'echo FIRST=1 >> "$ENTRYPOINT_ENV"'' set FIRST
                info: running hook 2/2: sh -c 'test "$FIRST" = 1 && printf "SECOND<<END\\na\\nb\\nEND\\n" >> "$ENTRYPOINT_ENV"'
                info: hook 'sh -c 'test "$FIRST" = 1 && printf "SECOND<<END\\na\\nb\\nEND\\n" >> "$ENTRYPOINT_ENV"'' set SECOND
                exec server
                FIRST=1
                PATH=/usr/bin:/bin
                SECOND=a\\x0ab
                """)
    }

    @Test func initModeReturnsTheSupervisorsInputs() throws {
        var configuration = Self.configuration(["server"])
        configuration.initMode = true
        configuration.stop.stopSignal = SIGQUIT
        let output = Self.run(configuration, ["PATH": "/bin"])
        #expect(output == "supervise server (stop signal \(SIGQUIT), watch none)\nPATH=/bin")
    }

    @Test func aDryRunReturnsThePlanWithSecretsRedactedAndRunsNoHook() throws {
        let directory = Paths.temporaryDirectory("startup")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/token", "t0ken\n")
        var configuration = Self.configuration(["server", "--token", "t0ken"])
        configuration.dryRun = true
        configuration.templates = [TemplateSpec(source: "in.t", destination: "out.conf")]
        configuration.hooks = [try Hook(command: "touch \(directory)/ran")]
        let output = Self.run(
            configuration, ["API_TOKEN_FILE": directory + "/token", "HOST": "example.org"])
        #expect(
            output == """
                info: secrets: API_TOKEN from \(directory)/token
                dry run
                dry run: nothing is rendered, awaited, run or executed
                secrets:
                  API_TOKEN from \(directory)/token
                templates:
                  in.t -> out.conf
                selection: every variable --unset error
                variables:
                  API_TOKEN=<redacted>
                  HOST=example.org
                wait: none
                hooks:
                  1. touch \(directory)/ran
                user: unchanged
                command: server --token '<redacted>' (exec in place)

                """)
        #expect(readText(directory + "/ran") == nil)
    }

    /// Bad configurations stop start-up before any phase changes anything, with the error the CLI
    /// prints and its exit code.
    @Test(
        arguments: [
            (
                "no command", [String](), ["A": "1"],
                "error 64: no command to run (give it after the options, or as the image's CMD)"
            ),
            (
                "a variable and its _FILE both set", ["server"],
                ["DB_PASSWORD": "direct", "DB_PASSWORD_FILE": "/run/secrets/db"],
                "error 1: error: both DB_PASSWORD and DB_PASSWORD_FILE are set (but are exclusive)\n"
                    + "note: unset one of them: DB_PASSWORD_FILE names a file holding the value of "
                    + "DB_PASSWORD"
            ),
            (
                "an unreadable _FILE", ["server"], ["API_KEY_FILE": "/nonexistent/key"],
                "error 66: cannot read /nonexistent/key (API_KEY_FILE): No such file or directory"
            ),
        ] as [(String, [String], [String: String], String)])
    func aBadConfigurationIsAnError(
        _ behaviour: String, _ command: [String], _ environment: [String: String], _ error: String
    ) {
        let output = Self.run(Self.configuration(command), Environment(environment))
        #expect(output == error, "\(behaviour)")
    }

    @Test func aMissingHooksDirectoryIsAnInputErrorBeforeAnyPhase() throws {
        let directory = Paths.temporaryDirectory("startup")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/t.template", "x\n")
        var configuration = Self.configuration(["server"])
        configuration.hooksDirectory = "/nonexistent/hooks"
        configuration.templates = [
            TemplateSpec(source: directory + "/t.template", destination: directory + "/out")
        ]
        let output = Self.run(configuration, [:])
        #expect(output == "error 66: cannot read /nonexistent/hooks: No such file or directory")
        #expect(readText(directory + "/out") == nil)
    }
}
