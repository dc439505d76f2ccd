import Entrypoint
import Testing

@Suite struct LogTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
    }

    /// Where a secret stands as a value in a quoted command it is redacted; inside other words it
    /// is left alone, so that a short or common-word password neither mangles nor reveals.
    @Test(arguments: [
        ("a whole word", "s3cr3t", "migrate --password s3cr3t", "migrate --password <redacted>"),
        (
            "the value of --flag=", "s3cr3t", "migrate --password=s3cr3t",
            "migrate --password=<redacted>"
        ),
        (
            "the value of NAME=", "s3cr3t", "env PGPASSWORD=s3cr3t psql",
            "env PGPASSWORD=<redacted> psql"
        ),
        (
            "a short option's value", "s3cr3t", "mysql -ps3cr3t -e 'select 1'",
            "mysql -p<redacted> -e 'select 1'"
        ),
        (
            "a URL's password", "s3cr3t", "psql postgres://app:s3cr3t@db/app",
            "psql postgres://app:<redacted>@db/app"
        ),
        (
            "a quoted string in a script", "s3cr3t", #"sh -c 'test "$X" = "s3cr3t" && echo ok'"#,
            #"sh -c 'test "$X" = "<redacted>" && echo ok'"#
        ),
        ("a path's last component", "s3cr3t", "/nonexistent/s3cr3t", "/nonexistent/<redacted>"),
        ("every occurrence", "s3cr3t", "s3cr3t s3cr3t", "<redacted> <redacted>"),
        ("a secret containing another, whole", "s3cr3t", "a s3cr3t-longer", "a <redacted>"),
        (
            "not a URL's scheme", "postgres", "pg_isready postgres://127.0.0.1:1",
            "pg_isready postgres://127.0.0.1:1"
        ),
        ("not a host", "db", "psql postgres://app@db:5432/app", "psql postgres://app@db:5432/app"),
        ("not a letter inside words", "e", "sleep 1; echo here", "sleep 1; echo here"),
        ("not a digit of a count", "1", "run 1/1 x:1 -n1s", "run 1/1 x:1 -n1s"),
        ("not a word's prefix or suffix", "s3cr3t", "s3cr3tive pres3cr3t", "s3cr3tive pres3cr3t"),
    ])
    func commandsAreRedactedWhereASecretIsAValue(
        _ behaviour: String, _ secret: String, _ command: String, _ expected: String
    ) {
        let log = Log(level: .debug) { _, _ in }
        log.addSecrets([secret, secret + "-longer", ""])
        #expect(log.redact(command: command) == expected, "\(behaviour)")
    }

    /// The tool's own words are never rewritten: a line is written as it was made, at every level.
    @Test func logLinesAreWrittenAsTheyAre() {
        for level in LogLevel.allCases {
            let collected = Lines()
            let log = Log(level: .debug) { level, message in
                collected.lines.append("\(level.name): \(message)")
            }
            log.addSecrets(["postgres", "e", "1"])
            log.log(level, "waiting for postgres://127.0.0.1:1 (timeout 1s)")
            #expect(
                collected.lines == [
                    "\(level.name): waiting for postgres://127.0.0.1:1 (timeout 1s)"
                ])
        }
    }

    @Test func levelsFilter() {
        let collected = Lines()
        let log = Log(level: .warning) { level, message in
            collected.lines.append("\(level.name): \(message)")
        }
        log.debug("d")
        log.info("i")
        log.warning("w")
        log.error("e")
        #expect(collected.lines == ["warning: w", "error: e"])
    }
}
