import Foundation
import TestSupport
import Testing

/// Options from flags and `ENTRYPOINT_*` variables (flags win), seen through `--dry-run`'s plan, and
/// the usage errors (64) that name the flag or variable.
@Suite struct EntrypointOptionsTests {
    static let plan = """
        dry run: nothing is rendered, awaited, run or executed
        secrets: none
        templates:
          /t/app.conf.template -> /etc/app.conf
          /t/conf.d -> /etc/conf.d
        selection: --allow APP_HOST,APP_PORT --braces-only --unset keep
        variables:
          APP_HOST=app
          APP_PORT=(unset)
        wait (timeout 30s):
          db:5432
          cache:6379
        hooks (timeout 2m, lock /tmp/migrate.lock):
          1. python manage.py migrate --noinput
          2. python manage.py collectstatic --noinput
        user: nobody (uid 65534, gid 65534)
        command: gunicorn app:wsgi -b 0.0.0.0:8000 (init mode: supervised as a child)

        """

    @Test func flagsMakeThePlan() throws {
        let result = try EntrypointHarness.run(
            [
                "--dry-run", "--template", "/t/app.conf.template:/etc/app.conf", "--template",
                "/t/conf.d:/etc/conf.d", "--allow", "${APP_HOST} ${APP_PORT}", "--braces-only",
                "--unset",
                "keep", "--wait", "db:5432", "--wait", "cache:6379", "--wait-timeout", "30s",
                "--hook",
                "python manage.py migrate --noinput", "--hook",
                "python manage.py collectstatic --noinput",
                "--hook-timeout", "2m", "--lock", "/tmp/migrate.lock", "--user", "nobody", "--init",
                "--",
                "gunicorn", "app:wsgi", "-b", "0.0.0.0:8000",
            ], environment: ["APP_HOST": "app"])
        #expect(result.status == .exited(0))
        #expect(result.out == Self.plan)
        #expect(result.err == "")
    }

    @Test func theSameFromTheEnvironment() throws {
        let result = try EntrypointHarness.run(
            ["gunicorn", "app:wsgi", "-b", "0.0.0.0:8000"],
            environment: [
                "APP_HOST": "app",
                "ENTRYPOINT_DRY_RUN": "1",
                "ENTRYPOINT_TEMPLATES":
                    "/t/app.conf.template:/etc/app.conf,\n/t/conf.d:/etc/conf.d",
                "ENTRYPOINT_ALLOW": "APP_HOST,APP_PORT",
                "ENTRYPOINT_BRACES_ONLY": "true",
                "ENTRYPOINT_UNSET": "keep",
                "ENTRYPOINT_WAIT": "db:5432, cache:6379",
                "ENTRYPOINT_WAIT_TIMEOUT": "30s",
                "ENTRYPOINT_HOOKS":
                    "python manage.py migrate --noinput\npython manage.py collectstatic --noinput\n",
                "ENTRYPOINT_HOOK_TIMEOUT": "2m",
                "ENTRYPOINT_LOCK": "/tmp/migrate.lock",
                "ENTRYPOINT_USER": "nobody",
                "ENTRYPOINT_INIT": "yes",
            ])
        #expect(result.status == .exited(0))
        #expect(result.out == Self.plan)
    }

    @Test func flagsWinOverVariables() throws {
        let result = try EntrypointHarness.run(
            ["--dry-run", "--hook", "echo flag", "--user", "root", "--wait-timeout", "0", "true"],
            environment: [
                "ENTRYPOINT_HOOKS": "echo variable", "ENTRYPOINT_USER": "nobody",
                "ENTRYPOINT_WAIT": "db:5432", "ENTRYPOINT_WAIT_TIMEOUT": "5s",
                "ENTRYPOINT_INIT": "",
            ])
        #expect(result.status == .exited(0))
        #expect(
            result.out == """
                dry run: nothing is rendered, awaited, run or executed
                secrets: none
                templates: none
                wait (timeout none):
                  db:5432
                hooks:
                  1. echo flag
                user: root (uid 0, gid 0)
                command: true (exec in place)

                """)
    }

    @Test func theNginxImageVariablesAreHonoured() throws {
        let directory = Paths.temporaryDirectory("nginxvars")
        defer { Paths.removeTree(directory) }
        let result = try EntrypointHarness.run(
            ["--dry-run", "nginx", "-g", "daemon off;"],
            environment: [
                "NGINX_ENVSUBST_TEMPLATE_DIR": directory,
                "NGINX_ENVSUBST_OUTPUT_DIR": "/etc/nginx/conf.d",
                "NGINX_ENVSUBST_FILTER": "^APP_", "APP_UPSTREAM": "app:8000", "OTHER": "x",
            ])
        #expect(result.status == .exited(0))
        #expect(
            result.out == """
                dry run: nothing is rendered, awaited, run or executed
                secrets: none
                templates (from NGINX_ENVSUBST_*):
                  \(directory) -> /etc/nginx/conf.d
                selection: --allow-regex '^APP_' --defined-only --unset error
                variables:
                  APP_UPSTREAM=app:8000
                wait: none
                hooks: none
                user: unchanged
                command: nginx -g 'daemon off;' (exec in place)

                """)
    }

    @Test func aMissingNginxTemplateDirectoryIsSkippedAsTheImageDoes() throws {
        let result = try EntrypointHarness.run(
            ["--dry-run", "true"],
            environment: ["NGINX_ENVSUBST_TEMPLATE_DIR": "/nonexistent/templates"])
        #expect(result.status == .exited(0))
        #expect(result.out.contains("\ntemplates: none\n"))
        #expect(
            result.err
                == "entrypoint: info: NGINX_ENVSUBST_TEMPLATE_DIR: /nonexistent/templates is not a directory; no templates\n"
        )
    }

    @Test(arguments: [
        (
            "an unknown flag", ["--bogus", "true"], [:],
            "unknown option --bogus (see entrypoint --help)"
        ),
        ("a switch with a value", ["--init=yes", "true"], [:], "--init takes no value"),
        ("a flag without its value", ["--template"], [:], "--template needs a value"),
        (
            "no command", ["--init"], [:],
            "no command to run (give it after the options, or as the image's CMD)"
        ),
        (
            "a malformed duration", ["--wait-timeout", "5x", "true"], [:],
            "--wait-timeout: '5x' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
        ),
        (
            "a malformed duration in a variable", ["true"], ["ENTRYPOINT_HOOK_TIMEOUT": "soon"],
            "ENTRYPOINT_HOOK_TIMEOUT: 'soon' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
        ),
        (
            "a bad --unset", ["--unset", "maybe", "true"], [:],
            "--unset: 'maybe' is not one of error, empty, keep"
        ),
        (
            "a bad boolean", ["true"], ["ENTRYPOINT_INIT": "maybe"],
            "ENTRYPOINT_INIT: 'maybe' is not a boolean (1/0, true/false, yes/no)"
        ),
        (
            "a bad mode", ["--mode", "999", "true"], [:],
            "--mode: '999' is not an octal file mode (e.g. 0644)"
        ),
        (
            "a template without a destination", ["--template", "a.template", "true"], [:],
            "--template: 'a.template' is not SRC:DEST"
        ),
        (
            "a template variable entry without a destination", ["true"],
            ["ENTRYPOINT_TEMPLATES": "a:b,c"],
            "ENTRYPOINT_TEMPLATES: 'c' is not SRC:DEST"
        ),
        (
            "a hook with a shell operator", ["--hook", "migrate && serve", "true"], [:],
            "--hook: 'migrate && serve': '&' is shell syntax, and hooks run without a shell: quote it, or use a script or sh -c '...'"
        ),
        ("an empty hook", ["--hook", " ", "true"], [:], "--hook: ' ': empty command"),
        (
            "an unterminated quote in a hook variable", ["true"],
            ["ENTRYPOINT_HOOKS": "echo 'oops"],
            "ENTRYPOINT_HOOKS: 'echo 'oops': unterminated single quote"
        ),
        (
            "a bad name in --allow", ["--allow", "A-B", "true"], [:],
            "--allow: 'A-B' is not a variable name"
        ),
        (
            "a bad regex", ["--allow-regex", "(", "true"], [:],
            "--allow-regex '(': Unmatched ( or \\("
        ),
        (
            "a bad regex in the variable names the variable", ["true"],
            ["ENTRYPOINT_ALLOW_REGEX": "("], "ENTRYPOINT_ALLOW_REGEX '(': Unmatched ( or \\("
        ),
        (
            "a bad nginx filter names the variable", ["true"],
            ["NGINX_ENVSUBST_TEMPLATE_DIR": "/tmp", "NGINX_ENVSUBST_FILTER": "a{1"],
            "NGINX_ENVSUBST_FILTER 'a{1': Unmatched \\{"
        ),
        (
            "a bad name in the variable names the variable", ["true"],
            ["ENTRYPOINT_ALLOW": "A,B-C"], "ENTRYPOINT_ALLOW: 'B-C' is not a variable name"
        ),
        (
            "a bad log level", ["--log-level", "loud", "true"], [:],
            "--log-level: 'loud' is not one of error, warning, info, debug"
        ),
        (
            "an empty user", ["--user", ":root", "true"], [:],
            "--user: ':root' names no user (USER[:GROUP])"
        ),
        (
            "a bad --file-env name", ["--file-env=A-B", "true"], [:],
            "--file-env: 'A-B' is not a variable name"
        ),
        (
            "an unknown user", ["--user", "ghost", "true"], [:],
            "--user: no user 'ghost' in /etc/passwd"
        ),
    ])
    func usageErrors(
        _ behaviour: String, _ arguments: [String], _ environment: [String: String],
        _ message: String
    ) throws {
        let result = try EntrypointHarness.run(arguments, environment: environment)
        #expect(result.status == .exited(64), "\(behaviour)")
        #expect(result.out == "", "\(behaviour)")
        #expect(result.err == "entrypoint: error: \(message)\n", "\(behaviour)")
    }

    /// Each flag beats its own variable, whatever the variable says (a variable a flag overrides is
    /// not even checked). `LAST` is the last line of stderr, "" for none.
    @Test(arguments: [
        (
            "--quiet beats ENTRYPOINT_LOG_LEVEL", ["--quiet", "true"],
            ["ENTRYPOINT_LOG_LEVEL": "debug"], Int32(0), ""
        ),
        (
            "--quiet beats a malformed ENTRYPOINT_LOG_LEVEL", ["--quiet", "true"],
            ["ENTRYPOINT_LOG_LEVEL": "loud"], 0, ""
        ),
        (
            "--log-level beats ENTRYPOINT_LOG_LEVEL", ["--log-level", "info", "true"],
            ["ENTRYPOINT_LOG_LEVEL": "error"], 0, "entrypoint: info: exec true (pid PID)"
        ),
        (
            "--log-level beats --quiet", ["--quiet", "--log-level", "info", "true"], [:], 0,
            "entrypoint: info: exec true (pid PID)"
        ),
        (
            "--no-file-env beats ENTRYPOINT_FILE_ENV", ["--no-file-env", "--quiet", "true"],
            ["ENTRYPOINT_FILE_ENV": "all", "API_KEY_FILE": "/nonexistent"], 0, ""
        ),
        (
            "--file-env=LIST beats ENTRYPOINT_FILE_ENV", ["--file-env=OTHER", "--quiet", "true"],
            ["ENTRYPOINT_FILE_ENV": "all", "API_KEY_FILE": "/nonexistent"], 0, ""
        ),
        (
            "--wait-timeout beats ENTRYPOINT_WAIT_TIMEOUT",
            ["--wait", "file:///nonexistent", "--wait-timeout", "100ms", "true"],
            ["ENTRYPOINT_WAIT_TIMEOUT": "1h"], 124,
            "entrypoint: error: gave up waiting for file:///nonexistent; start-up stopped"
        ),
    ])
    func eachFlagBeatsItsVariable(
        _ behaviour: String, _ arguments: [String], _ environment: [String: String],
        _ code: Int32, _ last: String
    ) throws {
        let result = try EntrypointHarness.run(arguments, environment: environment)
        #expect(result.status == .exited(code), "\(behaviour): \(result.err)")
        let line = result.err.split(separator: "\n").last.map(String.init) ?? ""
        let pid = line.range(of: "pid ").map { line[$0.upperBound...].prefix { $0.isNumber } } ?? ""
        #expect(
            line == last.replacingOccurrences(of: "pid PID", with: "pid \(pid)"), "\(behaviour)")
    }

    @Test func helpIsPrintedOnStdout() throws {
        let result = try EntrypointHarness.run(["--help"])
        #expect(result.status == .exited(0))
        #expect(result.out.hasPrefix("usage: entrypoint [OPTIONS] [--] COMMAND [ARGS...]\n"))
        #expect(result.err == "")
    }
}
