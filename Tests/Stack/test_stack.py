#!/usr/bin/env python3
"""The Docker-free stack test (docs/deployment.md, "The stack test"): the topology of docker-compose.yml on 127.0.0.1, once with
MariaDB and once with PostgreSQL, every server started through dist/entrypoint and templates/.

Run by `scripts/test-stack.sh` (`make test-stack`), which installs what is missing and ends every
recorded process group on exit. Prints one line per check and a closing `N passed, N failed`.

    test_stack.py [--engine mariadb|postgresql]... [--dist DIR] [--venv DIR] [--registry FILE]
"""

import argparse
import gzip
import http.client
import re
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import (  # noqa: E402
    APP_SOURCE, ROOT, Stack, StackError, ensure_venv, entrypoint_state, free_port, header_values,
    http_request, port_open, tail, wait_until,
)

CSS_SOURCE = APP_SOURCE / "board" / "static" / "board" / "style.css"
TEMPLATE_HAPROXY = "templates/haproxy/haproxy.cfg.template"
SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                    "Content-Security-Policy")


class CheckFailed(Exception):
    """A check's expectation did not hold."""


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


class Run:
    """Counts and prints checks; a failed step that later checks need stops the engine's run."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, engine, name, function, required=False):
        started = time.monotonic()
        try:
            function()
        except (CheckFailed, StackError, OSError, http.client.HTTPException) as error:
            self.failed += 1
            print(f"FAIL  {engine}: {name}: {error}", flush=True)
            if required:
                raise
            return False
        except Exception:  # a bug in the test itself: show where
            self.failed += 1
            print(f"FAIL  {engine}: {name}:\n{traceback.format_exc()}", flush=True)
            if required:
                raise
            return False
        self.passed += 1
        print(f"ok    {engine}: {name} ({time.monotonic() - started:.1f}s)", flush=True)
        return True


# MARK: - Checks


def check_rendered_configs(stack):
    """Each server's own syntax check accepts what the entrypoint rendered (nginx -t, apache2 -t,
    haproxy -c, and Python's compiler for the Gunicorn config)."""
    config = str(stack.dir / "app" / "app.gunicorn.conf.py")
    compile_config = ["python", "-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "
                      "'exec')", config]
    app_env = stack.app_env()
    del app_env["ENTRYPOINT_WAIT"]
    runs = [
        ("nginx -t", stack.nginx_argv(stack.nginx_command("-t")), stack.nginx_env()),
        ("apache2 -t", stack.apache_argv(stack.apache_command("-t")), stack.apache_env()),
        ("haproxy -c", stack.haproxy_argv(stack.haproxy_command("-c")), stack.haproxy_env()),
        ("python compile", stack.app_argv(command=compile_config, phases=False), app_env),
    ]
    for name, argv, env in runs:
        log = stack.log("config-check")
        status = stack.processes.run(argv, env, log, cwd=stack.dir)
        expect(status == 0, f"{name} exited {status}:\n{tail(log, 15)}")


def check_server_variables_survive(stack):
    """nginx's own $variables reach nginx verbatim, and no braced reference is left anywhere."""
    nginx_conf = (stack.dir / "nginx" / "nginx.conf").read_text()
    default_conf = (stack.dir / "nginx" / "conf.d" / "default.conf").read_text()
    for needle in ("proxy_set_header Host $http_host;",
                   "proxy_set_header X-Real-IP $remote_addr;",
                   "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                   "map $http_x_forwarded_proto $forwarded_proto {",
                   "\"\"      $scheme;"):
        expect(needle in default_conf, f"default.conf lacks {needle!r}")
    expect("'$remote_addr - $remote_user [$time_local] \"$request\" '" in nginx_conf,
           "nginx.conf's log_format lost its variables")
    httpd_conf = (stack.dir / "httpd" / "httpd.conf").read_text()
    expect('RewriteRule "^/healthz$" - [R=200,L]' in httpd_conf, "httpd.conf's RewriteRule changed")
    for path in ("nginx/nginx.conf", "nginx/conf.d/default.conf", "httpd/httpd.conf",
                 "haproxy/haproxy.cfg", "app/app.gunicorn.conf.py"):
        text = (stack.dir / path).read_text()
        expect("${" not in text, f"{path} still holds a braced reference")
    expect(f"server nginx 127.0.0.1:{stack.ports['nginx']}" in
           (stack.dir / "haproxy" / "haproxy.cfg").read_text(), "haproxy.cfg lacks the nginx server")


def check_app_waits_for_db(stack):
    """Two app replicas started before their database wait (no Gunicorn, no migration), then both
    serve once it is up, their hooks (migrate, collectstatic) taking turns under the shared lock."""
    stack.db.initialise()
    stack.start_app("app", probe=True)
    stack.start_app("app2", probe=True)
    target = f"127.0.0.1:{stack.db.port}"
    for replica in ("app", "app2"):
        wait_until(lambda: target in stack.log(replica).read_text(errors="replace"), 15,
                   f"{replica}'s entrypoint to log that it waits for the database")
        expect(stack.processes.alive(replica), f"{replica} exited:\n{tail(stack.log(replica))}")
        expect(not port_open(stack.ports[replica]), "Gunicorn listens before the database is up")
        log = stack.log(replica).read_text(errors="replace")
        expect("Operations to perform" not in log, "migrate ran before the database was up")
    stack.db.start()
    for replica in ("app", "app2"):
        stack.wait_app_healthy(replica)
        status, _, body = http_request(stack.ports[replica], "/api/health")
        expect(status == 200 and b'"status": "ok"' in body,
               f"{replica} /api/health: {status} {body[:200]!r}")
    applied = [stack.log(replica).read_text(errors="replace").count("Applying board.0001_initial")
               for replica in ("app", "app2")]
    expect(sorted(applied) == [0, 1], f"board.0001_initial applied {applied} times per replica")
    turns = (stack.dir / "app" / "lock-probe").read_text().split("\n")[:4]
    expect([line.split()[0] for line in turns] == ["begin", "end", "begin", "end"],
           f"the replicas' hooks overlapped: {turns}")


def check_collected_static(stack):
    """collectstatic (a hook) wrote the CSS to the shared static directory."""
    collected = stack.static / "board" / "style.css"
    expect(collected.exists(), f"{collected} missing")
    expect(collected.read_bytes() == CSS_SOURCE.read_bytes(), "collected CSS differs from source")


def check_post_roundtrip(stack):
    """A post created through HAProxy (form with CSRF token) is read back through HAProxy."""
    port = stack.ports["haproxy"]
    status, headers, body = http_request(port, "/")
    expect(status == 200, f"GET / answered {status}")
    cookie = next((c.split(";")[0] for c in header_values(headers, "Set-Cookie")
                   if c.startswith("csrftoken=")), None)
    expect(cookie, "no csrftoken cookie")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    expect(token, "no CSRF token in the form")
    title = f"Stack test post {time.time_ns()}"
    form = f"csrfmiddlewaretoken={token.group(1).decode()}&title={title.replace(' ', '+')}" \
           "&author=stack-test&body=Posted+through+HAProxy."
    status, headers, body = http_request(
        port, "/", method="POST", body=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    expect(status == 302, f"POST / answered {status}: {body[:300]!r}")
    location = header_values(headers, "Location")[0]
    expect(re.fullmatch(r"/posts/\d+/", location), f"unexpected Location {location}")
    for _ in range(2):  # once through each proxy (round robin)
        status, _, body = http_request(port, location)
        expect(status == 200 and title.encode() in body, f"GET {location}: {status}")
    status, _, body = http_request(port, "/")
    expect(title.encode() in body, "the new post is not in the list")
    status, _, body = http_request(port, "/api/health")
    expect(status == 200 and b'"posts": ' in body, f"/api/health through HAProxy: {status}")


def check_static_served(stack):
    """The CSS is served by nginx and by Apache from the collected files (gzip, cache headers,
    security headers once), and through HAProxy."""
    css = CSS_SOURCE.read_bytes()
    for name in ("nginx", "apache", "haproxy"):
        status, headers, body = http_request(stack.ports[name], "/static/board/style.css")
        expect(status == 200 and body == css, f"{name}: {status}, {len(body)} bytes")
        expect(header_values(headers, "Content-Type")[0].startswith("text/css"),
               f"{name}: Content-Type {header_values(headers, 'Content-Type')}")
        for header in SECURITY_HEADERS:
            expect(len(header_values(headers, header)) == 1, f"{name}: {header} not set once")
        status, headers, body = http_request(stack.ports[name], "/static/board/style.css",
                                             headers={"Accept-Encoding": "gzip"})
        expect(header_values(headers, "Content-Encoding") == ["gzip"], f"{name}: not gzipped")
        expect(gzip.decompress(body) == css, f"{name}: gzip body differs")
    for name in ("nginx", "apache"):
        status, _, _ = http_request(stack.ports[name], "/static/.entrypoint.lock")
        expect(status in (403, 404), f"{name} serves the lock file ({status})")
        status, _, _ = http_request(stack.ports[name], "/static/board/missing.css")
        expect(status == 404, f"{name}: missing file answered {status}")


def check_proxied_headers(stack):
    """Dynamic pages through each proxy carry each security header once (Django's copies are
    replaced, not doubled)."""
    for name in ("nginx", "apache"):
        status, headers, _ = http_request(stack.ports[name], "/")
        expect(status == 200, f"{name}: GET / answered {status}")
        for header in SECURITY_HEADERS:
            values = header_values(headers, header)
            expect(len(values) == 1, f"{name}: {header} appears {len(values)} times: {values}")


def check_both_proxies_take_traffic(stack):
    """HAProxy balances over both proxies; its stats page needs the password from the _FILE secret."""
    status, _, _ = http_request(stack.ports["stats"], "/")
    expect(status == 401, f"stats page without credentials answered {status}")
    before = {row["svname"]: int(row["stot"]) for row in stack.stats()
              if row["pxname"] == "proxies"}
    for _ in range(20):
        status, _, _ = http_request(stack.ports["haproxy"], "/api/health")
        expect(status == 200, f"GET /api/health answered {status}")
    after = {row["svname"]: int(row["stot"]) for row in stack.stats()
             if row["pxname"] == "proxies"}
    for server in ("nginx", "apache"):
        expect(after[server] - before[server] >= 5,
               f"{server} took {after[server] - before[server]} of 20 requests")


def check_failover(stack):
    """Killing nginx (its whole process group, as a crashed container) loses no request: HAProxy
    retries on Apache and marks nginx down."""
    results = []
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                status, _, _ = http_request(stack.ports["haproxy"], "/", timeout=10)
                results.append(status)
            except (OSError, http.client.HTTPException) as error:
                results.append(repr(error))

    worker = threading.Thread(target=loop)
    worker.start()
    try:
        wait_until(lambda: len(results) >= 20, 30, "20 requests before the kill")
        stack.processes.kill("nginx", signal.SIGKILL)
        killed_at = len(results)
        wait_until(lambda: stack.server_states().get("nginx") == "DOWN", 15,
                   "HAProxy to mark nginx DOWN")
        wait_until(lambda: len(results) >= killed_at + 30, 30, "30 requests after the kill")
    finally:
        stop.set()
        worker.join(timeout=15)
    failures = [r for r in results if r != 200]
    expect(not failures, f"{len(failures)} of {len(results)} requests failed: {failures[:5]}")
    expect(not port_open(stack.ports["nginx"]), "nginx still listens after the kill")


def check_db_never_comes(stack):
    """An app whose database never comes exits with the wait-timeout code (124) and neither runs
    its hooks nor starts Gunicorn."""
    dead_port = free_port()
    env = stack.app_env(db_port=dead_port)
    log = stack.log("app-no-db")
    started = time.monotonic()
    status = stack.processes.run(stack.app_argv(wait_timeout="2s"), env, log, cwd=APP_SOURCE,
                                 timeout=30)
    elapsed = time.monotonic() - started
    output = log.read_text(errors="replace")
    expect(status == 124, f"exit status {status}, expected 124:\n{tail(log, 15)}")
    expect(elapsed < 10, f"took {elapsed:.1f}s for a 2s timeout")
    expect(f"127.0.0.1:{dead_port}" in output, f"the message does not name the target:\n{output}")
    expect("Starting gunicorn" not in output, "Gunicorn started")
    expect("Operations to perform" not in output, "migrate ran")


def check_wrong_password(stack):
    """A wrong database password stops start-up at the migrate hook: the entrypoint exits with the
    hook's status and names it, the database's own refusal is in the log, Gunicorn never starts."""
    stack.write_secret("wrong_password", "not-the-password")
    env = stack.app_env()
    env["DB_PASSWORD_FILE"] = str(stack.dir / "secrets" / "wrong_password")
    log = stack.log("app-wrong-password")
    status = stack.processes.run(stack.app_argv(wait_timeout="20s"), env, log, cwd=APP_SOURCE,
                                 timeout=60)
    output = log.read_text(errors="replace")
    expect(status == 1, f"exit status {status}, expected migrate's 1:\n{tail(log, 15)}")
    refusal = ("Access denied for user 'board'" if stack.db.engine == "mysql"
               else 'password authentication failed for user "board"')
    expect(refusal in output, f"the database's refusal is not in the log:\n{tail(log, 15)}")
    expect("hook 'python manage.py migrate --noinput' failed with exit status 1" in output,
           f"no line names the failed hook:\n{tail(log, 5)}")
    expect("Starting gunicorn" not in output, "Gunicorn started")


def check_missing_stats_password(stack):
    """HAProxy without its stats password: the render names the variable with file, line and
    column, writes nothing, and the server is never started."""
    env = stack.haproxy_env()
    del env["HAPROXY_STATS_PASSWORD_FILE"]
    output_path = stack.dir / "haproxy" / "missing.cfg"
    argv = [stack.entrypoint(), "--braces-only", "--template",
            f"{ROOT / TEMPLATE_HAPROXY}:{output_path}", "--", "haproxy", "-v"]
    log = stack.log("haproxy-no-password")
    status = stack.processes.run(argv, env, log)
    output = log.read_text(errors="replace")
    expect(status == 1, f"exit status {status}, expected 1:\n{output}")
    expect(re.search(r"haproxy\.cfg\.template:\d+:\d+: error: HAPROXY_STATS_PASSWORD: set "
                     r"HAPROXY_STATS_PASSWORD or HAPROXY_STATS_PASSWORD_FILE", output),
           f"no located diagnostic:\n{output}")
    expect(not output_path.exists(), "a config was written")
    expect("HAProxy version" not in output, "haproxy was started")


def check_no_secret_in_logs(stack):
    """No log of any process shows the database or stats password."""
    for log in (stack.dir / "logs").glob("*.log"):
        text = log.read_text(errors="replace")
        for name, value in (("database password", stack.db_password),
                            ("stats password", stack.stats_password),
                            ("secret key", stack.secret_key)):
            expect(value not in text, f"{log.name} shows the {name}")


# MARK: - One engine


def run_engine(run, engine, args):
    stack = Stack(engine, args.dist, args.venv, registry=args.registry)
    print(f"--    {engine}: {stack.dir}", flush=True)
    ok = True
    try:
        run.check(engine, "rendered configs pass nginx -t, apache2 -t, haproxy -c",
                  lambda: check_rendered_configs(stack), required=True)
        run.check(engine, "server variables ($host, $remote_addr, ...) survive rendering",
                  lambda: check_server_variables_survive(stack))
        run.check(engine, "app started before its database waits, then serves",
                  lambda: check_app_waits_for_db(stack), required=True)
        run.check(engine, "collectstatic hook filled the shared static directory",
                  lambda: check_collected_static(stack))
        run.check(engine, "nginx, Apache and HAProxy come up; HAProxy sees both proxies UP",
                  stack.start_proxies, required=True)
        run.check(engine, "post created through HAProxy is read back",
                  lambda: check_post_roundtrip(stack))
        run.check(engine, "static CSS served by nginx and Apache from the collected files",
                  lambda: check_static_served(stack))
        run.check(engine, "security headers set once on proxied pages",
                  lambda: check_proxied_headers(stack))
        run.check(engine, "both proxies take traffic; stats page needs the secret",
                  lambda: check_both_proxies_take_traffic(stack))
        run.check(engine, "killing nginx loses no request (HAProxy fails over)",
                  lambda: check_failover(stack))
        run.check(engine, "app whose database never comes exits 124 without Gunicorn",
                  lambda: check_db_never_comes(stack))
        run.check(engine, "wrong database password stops start-up at the migrate hook",
                  lambda: check_wrong_password(stack))
        run.check(engine, "missing stats password: located error, nothing rendered or started",
                  lambda: check_missing_stats_password(stack))
    except Exception:  # a required step failed (already counted and printed)
        ok = False
        print(f"--    {engine}: stopped after a failed step; logs in {stack.dir / 'logs'}")
    finally:
        survivors = stack.down()

    def nothing_left():
        expect(not survivors, f"still running after teardown: {survivors}")

    ok &= run.check(engine, "no process the test started is left running", nothing_left)
    ok &= run.check(engine, "no secret appears in any log", lambda: check_no_secret_in_logs(stack))
    if ok and not args.keep:
        stack.remove()
    elif not ok:
        print(f"--    {engine}: kept {stack.dir} for its logs", flush=True)



def add_common_arguments(parser):
    """The options every stack test takes: where dist/ and the virtualenv are, the trap's registry."""
    parser.add_argument("--dist", default=str(ROOT / "dist"))
    parser.add_argument("--venv", default=str(ROOT / ".demo" / "venv"))
    parser.add_argument("--registry", help="file to record process groups in (for a trap)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")


def prepare(args, name):
    """The start of a stack test: dist/ ready (else one failure is printed and False returned), the
    virtualenv, and SIGTERM/SIGINT raised as KeyboardInterrupt so that every server is cleaned up."""
    state = entrypoint_state(args.dist)
    if state != "ready":
        print(f"{name}: error: {state}", file=sys.stderr)
        print(f"{name}: 0 passed, 1 failed")
        return False
    ensure_venv(args.venv)

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    # Explicitly for SIGINT too: started in the background by a script, it begins ignored.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    return True

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", choices=["mariadb", "postgresql"])
    add_common_arguments(parser)
    args = parser.parse_args()
    engines = args.engine or ["mariadb", "postgresql"]
    if not prepare(args, "stack"):
        return 1
    run = Run()
    started = time.monotonic()
    try:
        for engine in engines:
            run_engine(run, engine, args)
    except KeyboardInterrupt:
        print("stack: interrupted", file=sys.stderr)
        run.failed += 1
    print(f"--    {time.monotonic() - started:.0f}s")
    print(f"stack: {run.passed} passed, {run.failed} failed")
    return 0 if run.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
