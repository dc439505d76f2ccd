import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `templater render|check|vars` as a user runs them: output, messages and every exit code.
@Suite struct TemplaterCommandTests {
    let templater = Paths.binary("templater")
    let environment = ["PATH": "/usr/bin:/bin"]

    func withDirectory(_ body: (String) throws -> Void) rethrows {
        let directory = Paths.temporaryDirectory("templater")
        defer { Paths.removeTree(directory) }
        try body(directory)
    }

    @Test func rendersStdinToStdout() throws {
        let result = try run(
            templater, ["render", "--allow", "PORT"], environment: ["PORT": "8080"],
            input: "listen ${PORT}; host $host;\n")
        #expect(result.status == .exited(0))
        #expect(result.out == "listen 8080; host $host;\n")
        #expect(result.err == "")
    }

    @Test func unsetVariableFailsWithLocationAndWritesNothing() throws {
        let result = try run(
            templater, ["render"], environment: environment, input: "a\nlisten ${PORT};\n")
        #expect(result.status == .exited(1))
        #expect(result.out == "")
        #expect(
            result.err
                == "<stdin>:2:8: error: variable PORT is not set\n<stdin>:2:8: note: set PORT, or give a default: ${PORT:-default}\n"
        )
    }

    @Test(arguments: [
        (["render", "--bogus"], "templater: error: unknown option '--bogus'"),
        (
            ["render", "--unset", "maybe"],
            "templater: error: --unset: 'maybe' is not one of error, empty, keep"
        ),
        (
            ["render", "--mode", "999"],
            "templater: error: --mode: '999' is not an octal file mode (e.g. 0644)"
        ),
        (
            ["render", "--allow-regex", "a("],
            "templater: error: --allow-regex 'a(': Unmatched ( or \\("
        ),
        (
            ["render", "--allow", "1BAD"],
            "templater: error: --allow: '1BAD' is not a variable name"
        ),
        (
            ["check", "--format", "xml"],
            "templater: error: --format: 'xml' is not one of text, json, github"
        ),
        (["check", "-o", "x"], "templater: error: -o is not an option of 'check'"),
        (["render", "--env-file"], "templater: error: --env-file needs a value"),
        (
            ["frobnicate"],
            "templater: error: unknown subcommand 'frobnicate' (render, check, vars, envsubst)"
        ),
    ])
    func usageErrorsExit64(_ arguments: [String], _ message: String) throws {
        let result = try run(templater, arguments, environment: environment, input: "")
        #expect(result.status == .exited(64))
        #expect(result.err == message + "\nTry 'templater --help' for more information.\n")
    }

    @Test func directoryWithoutOutputIsAUsageError() throws {
        try withDirectory { directory in
            let result = try run(templater, ["render", directory], environment: environment)
            #expect(result.status == .exited(64))
            #expect(result.err.contains("is a directory: name an output directory with -o"))
        }
    }

    @Test func missingTemplateExits66() throws {
        let result = try run(
            templater, ["render", "/nonexistent/t.conf"], environment: environment)
        #expect(result.status == .exited(66))
        #expect(
            result.err
                == "templater: error: cannot read /nonexistent/t.conf: No such file or directory\n")
    }

    @Test func rendersADirectoryTreeMirroredWithSuffixStripped() throws {
        try withDirectory { directory in
            let source = directory + "/templates"
            for path in ["", "/conf.d", "/..data", "/..2024_01_01"] { mkdir(source + path, 0o755) }
            writeFile(source + "/nginx.conf.template", "worker_processes ${WORKERS:-auto};\n")
            writeFile(source + "/conf.d/default.conf.template", "listen ${PORT};\n")
            writeFile(source + "/conf.d/README", "not a template\n")
            writeFile(source + "/..data/hidden.conf.template", "${NOT_RENDERED}\n")
            let result = try run(
                templater, ["render", source, "-o", directory + "/out"], environment: ["PORT": "81"]
            )
            #expect(result.status == .exited(0), "\(result.err)")
            #expect(readText(directory + "/out/nginx.conf") == "worker_processes auto;\n")
            #expect(readText(directory + "/out/conf.d/default.conf") == "listen 81;\n")
            #expect(readText(directory + "/out/conf.d/README") == nil)
            #expect(readText(directory + "/out/..data/hidden.conf") == nil)
            #expect(readText(directory + "/out/hidden.conf") == nil)
        }
    }

    @Test func aFailureHalfwayThroughADirectoryLeavesEveryOutputUntouched() throws {
        try withDirectory { directory in
            let source = directory + "/templates"
            let output = directory + "/out"
            mkdir(source, 0o755)
            mkdir(output, 0o755)
            writeFile(source + "/a.conf.template", "a=${A}\n")
            writeFile(source + "/b.conf.template", "b=${B}\n")
            writeFile(source + "/c.conf.template", "c=${C}\n")
            writeFile(output + "/a.conf", "old a\n", mode: 0o640)
            writeFile(output + "/c.conf", "old c\n")
            let result = try run(
                templater, ["render", source, "-o", output], environment: ["A": "1", "C": "3"])
            #expect(result.status == .exited(1))
            #expect(
                result.err.hasPrefix(
                    "\(source)/b.conf.template:1:3: error: variable B is not set\n"))
            #expect(readText(output + "/a.conf") == "old a\n")
            #expect(readText(output + "/b.conf") == nil)
            #expect(readText(output + "/c.conf") == "old c\n")
            let listing = try run("/bin/ls", ["-A", output])
            #expect(listing.out == "a.conf\nc.conf\n", "no temporary file is left behind")
            // Then, with B set, all three are written and a.conf keeps its mode.
            let second = try run(
                templater, ["render", source, "-o", output],
                environment: ["A": "1", "B": "2", "C": "3"])
            #expect(second.status == .exited(0))
            #expect(readText(output + "/b.conf") == "b=2\n")
            var status = stat()
            stat(output + "/a.conf", &status)
            #expect(status.st_mode & 0o777 == 0o640)
        }
    }

    @Test func outputsHoldingSecretsGetNoGroupOrOtherAccess() throws {
        try withDirectory { directory in
            writeFile(directory + "/t", "password=${DB_PASSWORD}\n", mode: 0o644)
            let result = try run(
                templater, ["render", directory + "/t", "-o", directory + "/out"],
                environment: ["DB_PASSWORD": "sentinel-7f3a"])
            #expect(result.status == .exited(0))
            var status = stat()
            stat(directory + "/out", &status)
            #expect(status.st_mode & 0o777 == 0o600)
            #expect(!result.out.contains("sentinel") && !result.err.contains("sentinel"))
        }
    }

    @Test func readOnlyOutputDirectoryExits73() throws {
        try withDirectory { directory in
            let output = directory + "/ro"
            mkdir(output, 0o755)
            writeFile(output + "/app.conf", "old\n")
            writeFile(directory + "/t", "new ${X:-1}\n")
            // A read-only bind mount: root ignores permission bits, not a read-only mount.
            let mounted = try run("/bin/mount", ["--bind", "-o", "ro", output, output])
            try #require(mounted.status == .exited(0), "mount: \(mounted.err)")
            defer { _ = try? run("/bin/umount", [output]) }
            let result = try run(
                templater, ["render", directory + "/t", "-o", output + "/app.conf"],
                environment: environment)
            #expect(result.status == .exited(73))
            #expect(
                result.err
                    == "templater: error: cannot write \(output)/app.conf: Read-only file system (nothing was changed)\n"
            )
            #expect(readText(output + "/app.conf") == "old\n")
        }
    }

    @Test func fileAndValueBothSetIsAnErrorNamingBoth() throws {
        try withDirectory { directory in
            writeFile(directory + "/secret", "s3cr3t\n")
            let result = try run(
                templater, ["render", "--file-env"],
                environment: ["DB_PASSWORD": "x", "DB_PASSWORD_FILE": directory + "/secret"],
                input: "${DB_PASSWORD}")
            #expect(result.status == .exited(1))
            #expect(
                result.err
                    == "templater: error: both DB_PASSWORD and DB_PASSWORD_FILE are set (but are exclusive)\nnote: unset one of them: DB_PASSWORD_FILE names a file holding the value of DB_PASSWORD\n"
            )
        }
    }

    @Test func fileEnvReadsTheSecretWithoutTrailingNewlines() throws {
        try withDirectory { directory in
            writeFile(directory + "/secret", "s3cr3t\n\n")
            let result = try run(
                templater, ["render", "--file-env"],
                environment: ["DB_PASSWORD_FILE": directory + "/secret"],
                input: "[${DB_PASSWORD}]")
            #expect(result.status == .exited(0))
            #expect(result.out == "[s3cr3t]")
        }
    }

    @Test func unreadableSecretFileExits66() throws {
        let result = try run(
            templater, ["render", "--file-env"],
            environment: ["DB_PASSWORD_FILE": "/nonexistent/secret"],
            input: "${DB_PASSWORD}")
        #expect(result.status == .exited(66))
        #expect(
            result.err
                == "templater: error: cannot read /nonexistent/secret (DB_PASSWORD_FILE): No such file or directory\n"
        )
    }

    @Test func envFilesFollowComposeRulesAndTheEnvironmentWins() throws {
        try withDirectory { directory in
            writeFile(
                directory + "/.env",
                """
                # comment
                export HOST=from-file
                PORT=80 # inline comment
                GREETING="hello\\tworld"
                LITERAL='${HOST}'
                URL=http://${HOST}:${PORT}/
                """)
            let result = try run(
                templater, ["render", "--env-file", directory + "/.env"],
                environment: ["HOST": "from-env"],
                input: "$HOST $PORT [$GREETING] $LITERAL $URL")
            #expect(result.status == .exited(0), "\(result.err)")
            #expect(result.out == "from-env 80 [hello\tworld] ${HOST} http://from-env:80/")
        }
    }

    @Test func envFileSyntaxErrorNamesTheLine() throws {
        try withDirectory { directory in
            writeFile(directory + "/bad.env", "A=1\nB=\"unterminated\n")
            let result = try run(
                templater, ["render", "--env-file", directory + "/bad.env"],
                environment: environment, input: "")
            #expect(result.status == .exited(1))
            #expect(result.err == "\(directory)/bad.env:2:3: error: unterminated quoted value\n")
        }
    }

    @Test func sixThousandVariablesInTheEnvironment() throws {
        var environment: [String: String] = [:]
        var template = ""
        for index in 0..<6000 {
            environment["VAR_\(index)"] = "v\(index)"
            if index % 100 == 0 { template += "${VAR_\(index)} " }
        }
        let result = try run(templater, ["render"], environment: environment, input: template)
        #expect(result.status == .exited(0))
        #expect(result.out.hasPrefix("v0 v100 v200 ") && result.out.hasSuffix("v5900 "))
    }

    @Test func checkReportsErrorsAndWarningsAndStrictFailsOnWarnings() throws {
        try withDirectory { directory in
            writeFile(directory + "/t.conf", "listen ${PORT}; host ${HOST}; $HOST $host\n")
            let clean = try run(
                templater, ["check", directory + "/t.conf", "--allow", "PORT,HOST"],
                environment: ["PORT": "1", "HOST": "h"])
            #expect(clean.status == .exited(0))
            #expect(
                clean.out
                    == """
                    \(directory)/t.conf:1:31: warning: HOST is written both as $HOST and as ${HOST} (at \(directory)/t.conf:1:22)
                    \(directory)/t.conf:1:31: note: write ${HOST} everywhere: with --braces-only a bare $HOST is left as is
                    \(directory)/t.conf:1:37: warning: $host is not selected and is copied verbatim
                    \(directory)/t.conf:1:37: note: add it to --allow if it should be substituted

                    """)
            let strict = try run(
                templater, ["check", directory + "/t.conf", "--allow", "PORT,HOST", "--strict"],
                environment: ["PORT": "1", "HOST": "h"])
            #expect(strict.status == .exited(1))
            let json = try run(
                templater, ["check", directory + "/t.conf", "--braces-only", "--format", "json"],
                environment: environment)
            #expect(json.status == .exited(1))
            #expect(
                json.out.hasPrefix(
                    "{\"file\":\"\(directory)/t.conf\",\"line\":1,\"column\":8,\"severity\":\"error\",\"message\":\"variable PORT is not set\","
                ))
        }
    }

    @Test func varsListsNamesAndLocations() throws {
        let names = try run(templater, ["vars"], input: "${B:-$A} $C ${A}\n")
        #expect(names.out == "A\nB\nC\n")
        let locations = try run(templater, ["vars", "--locations"], input: "${B:-$A}\n $C")
        #expect(locations.out == "<stdin>:1:1: B\n<stdin>:1:6: A\n<stdin>:2:2: C\n")
    }
}
