import Foundation
import TestSupport
import Testing

/// `_FILE` secrets (docker-library `file_env`) and the rule that a secret value never appears in any
/// output, at any log level, in the dry-run plan included.
@Suite struct EntrypointSecretTests {
    static let sentinel = "S3NT1NEL-do-not-print-7f3a"
    static let hookSentinel = "H00K-S3NT1NEL-9b2c"

    @Test func xFileSuppliesXAndIsRemovedForTheServer() throws {
        let directory = Paths.temporaryDirectory("secret")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/db_password", Self.sentinel + "\n\n")
        let result = try EntrypointHarness.run(
            [
                "--", "sh", "-c",
                #"test "$DB_PASSWORD" = "$EXPECTED" && echo match; echo "${DB_PASSWORD_FILE-unset}""#,
            ],
            environment: [
                "DB_PASSWORD_FILE": directory + "/db_password", "EXPECTED": Self.sentinel,
            ])
        #expect(result.status == .exited(0))
        #expect(result.out == "match\nunset\n")
        #expect(
            result.err.hasPrefix(
                "entrypoint: info: secrets: DB_PASSWORD from \(directory)/db_password\n"))
    }

    @Test func theDefaultLeavesOtherFileVariablesAlone() throws {
        let result = try EntrypointHarness.run(
            [
                "--log-level", "error", "--", "sh", "-c",
                #"echo "[$SSL_CERT_FILE] [$LOG_FILE] [${LOG-unset}]""#,
            ],
            environment: [
                "SSL_CERT_FILE": "/etc/ssl/certs/ca.pem", "LOG_FILE": "/var/log/app/not-yet.log",
            ])
        #expect(result.status == .exited(0))
        #expect(result.out == "[/etc/ssl/certs/ca.pem] [/var/log/app/not-yet.log] [unset]\n")
    }

    @Test func fileEnvChoices() throws {
        let directory = Paths.temporaryDirectory("fileenv")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/user", "appuser\n")
        writeFile(directory + "/pw", "pw\n")
        let environment = [
            "POSTGRES_USER_FILE": directory + "/user", "DB_PASSWORD_FILE": directory + "/pw",
        ]
        let script =
            #"echo "${POSTGRES_USER-unset} ${POSTGRES_USER_FILE+file} ${DB_PASSWORD-unset} ${DB_PASSWORD_FILE+file}""#
        let rows: [([String], String)] = [
            ([], "unset file pw \n"),
            (["--file-env=all"], "appuser  pw \n"),
            (["--file-env=POSTGRES_USER"], "appuser  unset file\n"),
            (["--no-file-env"], "unset file unset file\n"),
        ]
        for (flags, expected) in rows {
            let result = try EntrypointHarness.run(
                flags + ["--log-level", "error", "--", "sh", "-c", script], environment: environment
            )
            #expect(result.status == .exited(0), "\(flags)")
            #expect(result.out == expected, "\(flags)")
        }
    }

    @Test func bothXAndXFileIsAnError() throws {
        let result = try EntrypointHarness.run(
            ["--", "echo", "never"],
            environment: ["DB_PASSWORD": Self.sentinel, "DB_PASSWORD_FILE": "/run/secrets/db"])
        #expect(result.status == .exited(1))
        #expect(
            result.err == """
                entrypoint: error: both DB_PASSWORD and DB_PASSWORD_FILE are set (but are exclusive)
                entrypoint: note: unset one of them: DB_PASSWORD_FILE names a file holding the value of DB_PASSWORD
                entrypoint: error: 1 problem in the templates or variables: nothing was rendered, start-up stopped

                """)
    }

    @Test func anUnreadableSecretFileIs66() throws {
        let result = try EntrypointHarness.run(
            ["--", "echo", "never"], environment: ["API_TOKEN_FILE": "/nonexistent/token"])
        #expect(result.status == .exited(66))
        #expect(
            result.err
                == "entrypoint: error: cannot read /nonexistent/token (API_TOKEN_FILE): No such file or directory\n"
        )
    }

    @Test func envFileValuesReachTheServerUnderTheProcessEnvironment() throws {
        let directory = Paths.temporaryDirectory("envfiles")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/.env", "# defaults\nexport PORT=8000\nHOST=\"file host\"\n")
        let result = try EntrypointHarness.run(
            ["--env-file", directory + "/.env", "--", "sh", "-c", #"echo "$PORT $HOST""#],
            environment: ["HOST": "process"])
        #expect(result.status == .exited(0))
        #expect(result.out == "8000 process\n")
    }

    @Test func aMissingEnvFileIs66() throws {
        let result = try EntrypointHarness.run(["--env-file", "/nonexistent/.env", "true"])
        #expect(result.status == .exited(66))
        #expect(result.err.hasPrefix("entrypoint: error: cannot read /nonexistent/.env"))
    }

    @Test(arguments: ["debug", "info", "warning", "error"])
    func aSecretValueNeverAppearsInAnyOutput(_ level: String) throws {
        let directory = Paths.temporaryDirectory("sentinel")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/secret", Self.sentinel + "\n")
        let environment = [
            "APP_SECRET_FILE": directory + "/secret", "STRIPE_API_KEY": Self.sentinel + "-key",
            "GREETING": "visible",
        ]
        // A hook sees the secret and writes another one (read from a file, so that no command line
        // holds it) for the server; the command line mentions the first.
        writeFile(directory + "/hook-secret", Self.hookSentinel)
        let hook =
            #"sh -c 'test "$APP_SECRET" = "\#(Self.sentinel)" && echo "SESSION_TOKEN=$(cat \#(directory)/hook-secret)" >> "$ENTRYPOINT_ENV"'"#
        let command = [
            "sh", "-c", #"test "$SESSION_TOKEN" = "$(cat \#(directory)/hook-secret)" && echo ok"#,
            Self.sentinel,
        ]
        let dryRun = ["--dry-run", "--template", "/t/app.template:/t/app"]
        for extra in [[], dryRun, ["--init"]] {
            let result = try EntrypointHarness.run(
                extra + [
                    "--log-level", level, "--hook", hook, "--allow", "APP_SECRET,GREETING", "--",
                ]
                    + command, environment: environment)
            #expect(result.status == .exited(0), "\(extra) at \(level): \(result.err)")
            let output = result.out + result.err
            #expect(!output.contains(Self.sentinel), "\(extra) at \(level): \(output)")
            #expect(!output.contains(Self.hookSentinel), "\(extra) at \(level): \(output)")
            if extra == dryRun {
                #expect(result.out.contains("  APP_SECRET=<redacted>\n  GREETING=visible\n"))
            } else {
                #expect(result.out == "ok\n")
            }
        }
        // A failing start-up that quotes the command line does not leak it either.
        let failed = try EntrypointHarness.run(
            ["--log-level", level, "--", "/nonexistent/" + Self.sentinel], environment: environment)
        #expect(failed.status == .exited(127))
        #expect(!(failed.out + failed.err).contains(Self.sentinel))
        #expect(failed.err.contains("/nonexistent/<redacted>: command not found"))
    }
}

/// `--secrets-dir` through the binary: the variables reach the template and the server, the values
/// never reach the logs or the plan, and an output holding one is private.
@Suite struct EntrypointSecretsDirectoryTests {
    static let sentinel = "D1R-S3NT1NEL-4c1e"

    @Test func theDirectorySuppliesVariablesWithoutPrintingThem() throws {
        let directory = Paths.temporaryDirectory("secretsdir")
        defer { Paths.removeTree(directory) }
        mkdir(directory + "/secrets", 0o755)
        writeFile(directory + "/secrets/db_password", Self.sentinel + "\n")
        writeFile(directory + "/secrets/api-user", "alice\n")
        writeFile(directory + "/app.conf.template", "password=${DB_PASSWORD}\nuser=${API_USER}\n")
        let output = directory + "/app.conf"
        let result = try EntrypointHarness.run(
            [
                "--secrets-dir", directory + "/secrets", "--log-level", "debug", "--template",
                "\(directory)/app.conf.template:\(output)", "--", "sh", "-c",
                #"test "$DB_PASSWORD" = "$EXPECTED" && echo "match $API_USER""#,
            ],
            environment: ["EXPECTED": Self.sentinel])
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(result.out == "match alice\n")
        #expect(!result.err.contains(Self.sentinel))
        #expect(
            result.err.contains(
                "secrets: API_USER from \(directory)/secrets/api-user, DB_PASSWORD from \(directory)/secrets/db_password"
            ), "\(result.err)")
        #expect(readText(output) == "password=\(Self.sentinel)\nuser=alice\n")
        var info = stat()
        stat(output, &info)
        #expect(info.st_mode & 0o077 == 0, "the output holds a secret: no group/other access")

        let plan = try EntrypointHarness.run(
            ["--dry-run", "--template", "\(directory)/app.conf.template:\(output)", "--", "true"],
            environment: ["ENTRYPOINT_SECRETS_DIR": directory + "/secrets"])
        #expect(plan.status == .exited(0))
        #expect(plan.out.contains("  DB_PASSWORD=<redacted>"), "\(plan.out)")
        #expect(plan.out.contains("  API_USER=<redacted>"))
        #expect(!plan.out.contains(Self.sentinel) && !plan.err.contains(Self.sentinel))
    }

    @Test func aConflictStopsStartUpNamingBoth() throws {
        let directory = Paths.temporaryDirectory("secretsdir")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/db_password", Self.sentinel)
        let result = try EntrypointHarness.run(
            ["--secrets-dir", directory, "--", "true"],
            environment: ["DB_PASSWORD": "other-value"])
        #expect(result.status == .exited(1))
        #expect(
            result.err.contains(
                "both DB_PASSWORD and \(directory)/db_password are set (but are exclusive)"),
            "\(result.err)")
        #expect(!result.err.contains(Self.sentinel) && !result.err.contains("other-value"))
    }
}
