import Foundation
import TestSupport
import Testing

/// The secrets audit: one sentinel value, supplied every way a secret arrives (`_FILE`, the
/// environment, a `.env` file, a template default), is grepped for in everything the three tools
/// print — every log level, `--dry-run`, `check` in every format, `vars`, error paths — and must
/// never appear. Only the rendered files hold it, and those are created without group/other access.
@Suite struct SecretsAuditTests {
    static let sentinel = "Sntnl-7Qx2-hunter2"
    static let templater = Paths.binary("templater")
    static let waitFor = Paths.binary("wait-for")

    /// How the sentinel arrives.
    enum Way: String, CaseIterable, CustomTestStringConvertible {
        case fileSecret, environment, envFile, templateDefault
        var testDescription: String { rawValue }
    }

    /// A directory with the secret file, the env file and the templates for `way`.
    struct Setup {
        var directory: String
        var environment: [String: String]
        var envFileArguments: [String]
        var template: String
        var failing: String
    }

    /// The template uses the secret plainly, through operators, in a value built from it and
    /// assigned with `:=`, and in `:?` messages; the failing one adds errors that quote words.
    static func setUp(_ way: Way) -> Setup {
        let directory = Paths.temporaryDirectory("audit")
        chmod(directory, 0o755)
        writeFile(directory + "/secret", sentinel + "\n")
        writeFile(directory + "/.env", "SECRET_KEY=\(sentinel)\n")
        var environment = ["PATH": "/usr/bin:/bin", "LANG": "C", "HOST": "db"]
        var envFileArguments: [String] = []
        let name: String
        var declaration = ""
        switch way {
        case .fileSecret:
            name = "DB_PASSWORD"
            environment["DB_PASSWORD_FILE"] = directory + "/secret"
        case .environment:
            name = "API_TOKEN"
            environment["API_TOKEN"] = sentinel
        case .envFile:
            name = "SECRET_KEY"
            envFileArguments = ["--env-file", directory + "/.env"]
        case .templateDefault:
            name = "ADMIN_PASSWORD"
            declaration = "default=${ADMIN_PASSWORD:=\(sentinel)}\n"
        }
        let body =
            declaration + """
                plain=${\(name)}
                upper=${\(name)^^} cut=${\(name)#S} length=${#\(name)}
                dsn=${APP_DSN:=postgres://app:${\(name)}@${HOST}/app}
                again=${APP_DSN:?unreachable} ${OTHER:-${\(name)}}

                """
        let failing =
            body + """
                x=${MISSING_ONE:?cannot start without $APP_DSN}
                y=${MISSING_TWO:?needs ${\(name)}}
                z=${\(name):0:-999}
                w=${NOT_SET}

                """
        writeFile(directory + "/app.conf.template", body)
        writeFile(directory + "/bad.conf.template", failing)
        return Setup(
            directory: directory, environment: environment, envFileArguments: envFileArguments,
            template: directory + "/app.conf.template", failing: directory + "/bad.conf.template")
    }

    /// Runs `executable` and checks that nothing it printed holds the sentinel.
    @discardableResult
    static func audit(
        _ executable: String, _ arguments: [String], environment: [String: String],
        argv0: String? = nil, _ label: String, stdin: String = ""
    ) throws -> ProcessResult {
        let result = try run(
            executable, arguments, argv0: argv0, environment: environment, input: stdin)
        let output = result.out + result.err
        #expect(!output.contains(sentinel), "\(label): \(output)")
        #expect(!output.contains("hunter2"), "\(label): \(output)")
        return result
    }

    @Test(arguments: Way.allCases)
    func templaterNeverPrintsTheSecret(_ way: Way) throws {
        let setup = Self.setUp(way)
        defer { Paths.removeTree(setup.directory) }
        let fileEnv = way == .fileSecret ? ["--file-env"] : []
        let common = setup.envFileArguments + fileEnv
        let output = setup.directory + "/app.conf"
        let rendered = try Self.audit(
            Self.templater, ["render", setup.template, "-o", output] + common,
            environment: setup.environment, "render \(way)")
        #expect(rendered.status == .exited(0), "\(rendered.err)")
        #expect(readText(output)?.contains("plain=\(Self.sentinel)\n") == true)
        var status = stat()
        stat(output, &status)
        #expect(status.st_mode & 0o777 == 0o600, "a rendered secret must be private")

        let failed = try Self.audit(
            Self.templater,
            ["render", setup.failing, "-o", setup.directory + "/bad.conf"] + common,
            environment: setup.environment, "failing render \(way)")
        #expect(failed.status == .exited(1))
        #expect(failed.err.contains("MISSING_ONE: cannot start without ***"), "\(failed.err)")
        #expect(failed.err.contains("MISSING_TWO: needs ***"), "\(failed.err)")
        #expect(access(setup.directory + "/bad.conf", F_OK) != 0)

        for format in ["text", "json", "github"] {
            for template in [setup.template, setup.failing] {
                try Self.audit(
                    Self.templater,
                    ["check", template, "--format", format, "--strict", "--allow", "NOPE"]
                        + common, environment: setup.environment, "check \(format) \(way)")
            }
        }
        for arguments in [["vars"], ["vars", "--locations"]] {
            try Self.audit(
                Self.templater, arguments + [setup.failing], environment: setup.environment,
                "\(arguments) \(way)")
        }
        // stdout rendering is data; its errors are not.
        try Self.audit(
            Self.templater, ["render"] + common, environment: setup.environment,
            "render stdin \(way)", stdin: (readText(setup.failing) ?? ""))
    }

    @Test(arguments: Way.allCases)
    func theEntrypointNeverPrintsTheSecret(_ way: Way) throws {
        let setup = Self.setUp(way)
        defer { Paths.removeTree(setup.directory) }
        let output = setup.directory + "/out"
        let never = try TestListener()
        let url = "postgres://app:\(Self.sentinel)@\(never.address)/app"
        for level in ["debug", "info", "warning", "error"] {
            let base = setup.envFileArguments + ["--log-level", level]
            let runs: [(String, [String], Int32)] = [
                ("start-up", ["--template", "\(setup.template):\(output)", "--", "true"], 0),
                (
                    "dry run",
                    [
                        "--dry-run", "--template", "\(setup.template):\(output)", "--wait", url,
                        "--allow", "ADMIN_PASSWORD,API_TOKEN,SECRET_KEY,DB_PASSWORD,APP_DSN,HOST",
                        "--hook", "echo hook", "--", "true",
                    ], 0
                ),
                ("template errors", ["--template", "\(setup.failing):\(output)", "--", "true"], 1),
                ("wait timeout", ["--wait", url, "--wait-timeout", "200ms", "--", "true"], 124),
                (
                    "bad target",
                    [
                        "--wait", "postgres://app:\(Self.sentinel)@127.0.0.1:99999/app", "--",
                        "true",
                    ],
                    64
                ),
                ("hook failure", ["--hook", "sh -c 'exit 3'", "--", "true"], 3),
            ]
            for (label, arguments, code) in runs {
                let result = try Self.audit(
                    EntrypointHarness.binary, base + arguments, environment: setup.environment,
                    "entrypoint \(label) at \(level), \(way)")
                #expect(result.status == .exited(code), "\(label): \(result.err)")
            }
        }
        #expect(readText(output)?.contains("plain=\(Self.sentinel)\n") == true)
        var status = stat()
        stat(output, &status)
        #expect(status.st_mode & 0o777 == 0o600, "a rendered secret must be private")
    }

    /// Short and common-word passwords: the entrypoint's lines (start-up with a template, a wait, a
    /// hook and the exec; a wait that times out on a `postgres://` target) are the same as with a
    /// password that appears nowhere, digits aside: nothing mangled, nothing revealed
    /// (`waiting for <redacted>://` told the reader the password was `postgres`).
    @Test(arguments: [
        ("POSTGRES_PASSWORD", "postgres"), ("DB_PASSWORD", "e"), ("API_TOKEN", "1"),
        ("SECRET_KEY", "info"), ("DB_PASSWORD", "entrypoint"), ("API_KEY", "ready"),
        ("DB_PASSWORD", "127.0.0.1"),
    ])
    func shortAndCommonWordPasswordsNeitherMangleNorReveal(_ name: String, _ password: String)
        throws
    {
        let directory = Paths.temporaryDirectory("common")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/app.template", "host=${HOST}\n")
        writeFile(directory + "/ready", "")
        let closed = try TestListener()
        let runs: [[String]] = [
            [
                "--log-level", "debug", "--template", "\(directory)/app.template:\(directory)/app",
                "--wait", "file://\(directory)/ready", "--hook", "true", "--", "true",
            ],
            [
                "--wait", "postgres://127.0.0.1:\(closed.port)", "--wait-timeout", "200ms", "--",
                "true",
            ],
        ]
        /// stderr with every run of digits as `N` (PIDs, durations, attempts).
        func lines(_ arguments: [String], _ value: String) throws -> String {
            let result = try EntrypointHarness.run(
                arguments, environment: ["HOST": "db", name: value])
            return result.err.replacingOccurrences(
                of: "[0-9]+", with: "N", options: .regularExpression)
        }
        for arguments in runs {
            let expected = try lines(arguments, "Zq9-appears-nowhere")
            let actual = try lines(arguments, password)
            #expect(actual == expected, "\(name)=\(password)")
            #expect(!actual.contains("<redacted>"), "\(name)=\(password): \(actual)")
        }
    }

    @Test func waitForNeverPrintsAPasswordFromAURL() throws {
        let never = try TestListener()
        let stub = try StubServer(turn: .first, replies: [Array("HTTP/1.0 500 x\r\n\r\n".utf8)])
        defer { stub.stop() }
        let secret = Self.sentinel
        let targets = [
            "postgres://app:\(secret)@\(never.address)/db",
            "postgresql://app:\(secret)@\(never.address)",
            "mysql://root:\(secret)@\(never.address)/db",
            // An unencoded '/' or '@' in the password makes the target invalid (64): the message
            // must not show any part of it.
            "postgres://app:\(secret)/x@\(never.address)/db",
            "mysql://app:a@\(secret)@\(never.address)",
            "postgres://app:\(secret)@\(never.address):99999/db",
            "http://user:\(secret)@\(stub.address)/",
        ]
        for target in targets {
            for extra in [["--log-format", "text"], ["--log-format", "json"], ["--once"]] {
                try Self.audit(
                    Self.waitFor, extra + ["-t", "100ms", target],
                    environment: ["PATH": "/usr/bin:/bin"], "\(target) \(extra)")
            }
            try Self.audit(
                Self.waitFor, ["-t", "100ms"], environment: ["WAIT_FOR_TARGETS": target],
                "WAIT_FOR_TARGETS=\(target)")
            try Self.audit(
                EntrypointHarness.binary, ["healthcheck", target], environment: [:],
                "healthcheck \(target)")
        }
    }

    @Test func aDefaultOfASecretMakesTheOutputPrivateAndModesAreKept() throws {
        let directory = Paths.temporaryDirectory("secretmode")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/t", "pw=${DB_PASSWORD:-changeme}\n", mode: 0o644)
        writeFile(directory + "/plain", "port=${PORT:-80}\n", mode: 0o644)
        writeFile(directory + "/existing", "old\n", mode: 0o640)
        let rows: [(String, String, mode_t)] = [
            ("t", "new", 0o600),  // a new output holding a secret: no group/other access
            ("plain", "new-plain", 0o644),  // no secret: the template's mode
            ("t", "existing", 0o640),  // an existing output keeps its own mode
        ]
        for (template, output, mode) in rows {
            let result = try run(
                Self.templater,
                ["render", directory + "/" + template, "-o", directory + "/" + output],
                environment: ["PATH": "/usr/bin:/bin"])
            #expect(result.status == .exited(0))
            var status = stat()
            stat(directory + "/" + output, &status)
            #expect(status.st_mode & 0o777 == mode, "\(template) -> \(output)")
        }
        // --mode wins for new outputs, secret or not.
        let moded = try run(
            Self.templater,
            ["render", directory + "/t", "-o", directory + "/moded", "--mode", "0644"],
            environment: ["PATH": "/usr/bin:/bin"])
        #expect(moded.status == .exited(0))
        var status = stat()
        stat(directory + "/moded", &status)
        #expect(status.st_mode & 0o777 == 0o644)
    }
}
