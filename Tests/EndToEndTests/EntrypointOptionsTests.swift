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

    @Test func helpIsPrintedOnStdout() throws {
        let result = try EntrypointHarness.run(["--help"])
        #expect(result.status == .exited(0))
        #expect(result.out.hasPrefix("usage: entrypoint [OPTIONS] [--] COMMAND [ARGS...]\n"))
        #expect(result.err == "")
    }
}
