#!/usr/bin/env python3
"""The kubelet-faithful stack test (issue 14): the Docker-free stack of stack.py, but laid out and
run the way kubelet runs deploy/kubernetes/.

- Every server's templates come from a ConfigMap volume and every `_FILE` secret from a Secret
  volume, both written by kubelet's atomic writer (Tests/Kubelet/atomic_writer.py: a timestamped
  directory, `..data`, symlinked visible names; Secret files mode 0644, kubelet's defaultMode).
  Those volumes and templates/ are treated as read-only: every config is rendered into, and every
  pid, temp and socket file lives in, a per-server emptyDir-like directory (checked: nothing under
  the volumes or templates/ changes but what the atomic writer writes).
- The entrypoints are not PID 1 (nor are they in a pod with a pause container sharing its PID
  namespace); their log shows them registered as child subreaper.
- The migrate Job of deploy/kubernetes/migrate-job.yaml runs once, as its own process, before the
  app replicas start; the replicas run with ENTRYPOINT_HOOKS_DIR empty (deploy/kubernetes/app.yaml)
  and apply no migration.
- A rolling update under a bounded request stream through HAProxy: a new nginx replica starts
  (the nginx image's stop profile and reload settings, `--watch`), HAProxy sees it UP, the old
  replica gets SIGTERM (drains, then SIGQUIT); then a ConfigMap update (a new response header)
  reaches the new replica through `--watch`. Every request must succeed; the count is printed.

Decision: kubelet's Service (kube-proxy in front of the nginx pods) has no local stand-in, so the
HAProxy ConfigMap lists both nginx replicas with ports planned up front: templates/'s HAProxy
template with one more `server` line for the new replica (the only difference, checked).

    test_kubelet.py [--dist DIR] [--venv DIR] [--registry FILE] [--keep]
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import signal
import stat
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Kubelet"))

import atomic_writer  # noqa: E402
from stack import (  # noqa: E402
    APP_SOURCE, TEMPLATES, Stack, StackError,
    free_port, header_values, http_request, tail, wait_until,
)
from test_stack import (  # noqa: E402
    CheckFailed,
    Run,
    add_common_arguments,
    check_no_secret_in_logs,
    expect,
    prepare,
)

ENGINE = "mariadb"
NEXT = "nginx-next"
CONFIG_HEADER = "X-Board-Config"
# The nginx image's stop profile and reload settings (images/nginx/Dockerfile), checked below.
NGINX_PROFILE = {"ENTRYPOINT_SIGNAL_MAP": "TERM:QUIT", "ENTRYPOINT_STOP_DELAY": "5s",
                 "ENTRYPOINT_STOP_TIMEOUT": "20s"}
HAPROXY_PROFILE = {"ENTRYPOINT_SIGNAL_MAP": "TERM:USR1", "ENTRYPOINT_STOP_DELAY": "5s",
                   "ENTRYPOINT_STOP_TIMEOUT": "20s"}
STREAM_LIMIT = 10000  # requests; the stream also ends after STREAM_SECONDS
STREAM_SECONDS = 90
STREAM_PAUSE = 0.005  # seconds between requests: a steady stream, not a flood


def next_server_line(template_text):
    """templates/'s HAProxy template with one more server, the new nginx replica, after nginx's."""
    lines = template_text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("server nginx "))
    extra = f"    server {NEXT} ${{NGINX_NEXT_HOST:-nginx}}:${{NGINX_NEXT_PORT:-8080}}\n"
    return "".join(lines[:index + 1] + [extra] + lines[index + 1:])


def with_config_header(template_text, version):
    """templates/'s default.conf template with one more server-level header (the update)."""
    anchor = "    add_header Content-Security-Policy"
    index = template_text.index(anchor)
    end = template_text.index("\n", index) + 1
    return (template_text[:end] + f'    add_header {CONFIG_HEADER} "{version}" always;\n'
            + template_text[end:])


def tree_state(root):
    """{relative path: (kind, mode, digest or link target)} of everything under root."""
    state = {}
    for directory, names, files in os.walk(root):
        for name in names + files:
            path = Path(directory) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                value = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                value = ("dir", stat.S_IMODE(info.st_mode))
            else:
                value = ("file", stat.S_IMODE(info.st_mode),
                         hashlib.sha256(path.read_bytes()).hexdigest())
            state[str(path.relative_to(root))] = value
    return state


class KubeletStack(Stack):
    """stack.py's Stack with its templates and secrets in kubelet-written volumes."""

    def __init__(self, dist, venv, registry=None):
        self.secret_values = {}
        self.secrets_ready = False
        super().__init__(ENGINE, dist, venv, registry=registry)
        self.ports[NEXT] = free_port_pair(self.ports)
        (self.dir / NEXT / "conf.d").mkdir(parents=True)
        self.volumes = self.dir / "volumes"
        # One Secret (db_password, stats_password, secret_key), written once as kubelet does.
        self.secrets_ready = True
        self.write_secret("secret_key", self.secret_values["secret_key"])
        for server in ("nginx", "httpd", "gunicorn"):
            self.write_config_map(server, {
                path.name: path.read_bytes() for path in sorted((TEMPLATES / server).iterdir())})
        haproxy = (TEMPLATES / "haproxy" / "haproxy.cfg.template").read_text()
        self.write_config_map("haproxy",
                              {"haproxy.cfg.template": next_server_line(haproxy).encode()})

    def volume(self, name):
        return self.dir / "volumes" / name

    def write_config_map(self, server, files):
        """One ConfigMap volume update (kubelet's defaultMode 0644)."""
        volume = self.volume(f"{server}-templates")
        volume.mkdir(parents=True, exist_ok=True)
        atomic_writer.write(str(volume), {name: (data, 0o644) for name, data in files.items()})
        self.written = tree_state(self.volumes)

    def template(self, server, name):
        return self.volume(f"{server}-templates") / name

    def secret(self, name):
        return self.volume("secrets") / name

    def write_secret(self, name, value):
        """A Secret volume update with every key so far (mode 0644, the defaultMode)."""
        self.secret_values[name] = value
        if not self.secrets_ready:
            return
        volume = self.volume("secrets")
        volume.mkdir(parents=True, exist_ok=True)
        atomic_writer.write(str(volume), {key: ((text + "\n").encode(), 0o644)
                                          for key, text in self.secret_values.items()})
        self.written = tree_state(self.volumes)

    def app_pod_env(self, replica="app"):
        """The app's environment as a pod gets it: the app image's ENV (images/django/Dockerfile:
        the hooks dir, the lock, the wait timeout), then the manifest's env, which empties the
        hooks dir and the lock (deploy/kubernetes/app.yaml, migrate-job.yaml)."""
        env = self.app_env(replica=replica)
        env.update({"ENTRYPOINT_HOOKS_DIR": str(APP_SOURCE / "hooks"),
                    "ENTRYPOINT_LOCK": str(self.static / ".entrypoint.lock"),
                    "ENTRYPOINT_WAIT_TIMEOUT": "60s"})
        env.update({"ENTRYPOINT_HOOKS_DIR": "", "ENTRYPOINT_LOCK": ""})
        return env

    def haproxy_env(self):
        env = super().haproxy_env()
        env.update(HAPROXY_PROFILE)
        env.update({"NGINX_NEXT_HOST": "127.0.0.1", "NGINX_NEXT_PORT": str(self.ports[NEXT])})
        return env

    def nginx_replica_env(self, replica):
        env = self.nginx_env(replica)
        env.update(NGINX_PROFILE)
        env["ENTRYPOINT_LOG_LEVEL"] = "debug"
        return env

    def start_nginx(self, replica):
        """One nginx replica as its Deployment runs it: the image's ENTRYPOINT with `--watch`
        (ENTRYPOINT_WATCH=1), its reload check and signal, its own emptyDir."""
        check = " ".join(self.nginx_command("-t", "-q", replica=replica))
        options = ["--watch", "--reload-check", check, "--reload-signal", "HUP"]
        self.processes.start(replica, self.nginx_argv(self.nginx_command("-g", "daemon off;",
                                                                         replica=replica),
                                                      replica=replica, options=options),
                             self.nginx_replica_env(replica), self.log(replica))

    def backend_states(self):
        try:
            rows = self.stats()
        except (OSError, StackError):
            return {}
        return {row["svname"]: row["status"].split()[0] for row in rows
                if row["pxname"] == "proxies" and row["svname"] not in ("BACKEND", "FRONTEND")}


def free_port_pair(taken):
    """A free port that is none of the stack's ports already planned."""
    while True:
        port = free_port()
        if port not in taken.values():
            return port


# MARK: - Checks


def check_volume_layout(stack):
    """Each volume is laid out as kubelet lays it out: `..data` a link to one timestamped
    directory, every visible name a link into `..data`, files mode 0644."""
    for volume in sorted(stack.volumes.iterdir()):
        data = os.readlink(volume / "..data")
        expect(re.fullmatch(r"\.\.\d{4}(_\d\d){5}\.\d+", data), f"{volume.name}: ..data -> {data}")
        entries = sorted(os.listdir(volume))
        hidden = [name for name in entries if name.startswith("..")]
        expect(hidden == sorted([data, "..data"]), f"{volume.name}: {entries}")
        expect(stat.S_IMODE((volume / data).lstat().st_mode) == 0o755, f"{volume.name}/{data} mode")
        visible = [name for name in entries if not name.startswith("..")]
        expect(visible, f"{volume.name} has no keys")
        for name in visible:
            expect(os.readlink(volume / name) == f"..data/{name}",
                   f"{volume.name}/{name} -> {os.readlink(volume / name)}")
            mode = stat.S_IMODE((volume / data / name).stat().st_mode)
            expect(mode == 0o644, f"{volume.name}/{name} mode {mode:o}")
    for server in ("nginx", "httpd", "gunicorn"):
        for path in (TEMPLATES / server).iterdir():
            expect(stack.template(server, path.name).read_bytes() == path.read_bytes(),
                   f"{server}-templates/{path.name} differs from templates/")
    ours = stack.template("haproxy", "haproxy.cfg.template").read_text().splitlines()
    upstream = (TEMPLATES / "haproxy" / "haproxy.cfg.template").read_text().splitlines()
    extra = [line for line in ours if line not in upstream]
    expect(len(ours) == len(upstream) + 1 and len(extra) == 1 and NEXT in extra[0],
           f"the HAProxy ConfigMap differs from templates/ by more than the new server: {extra}")


def check_migrate_job(stack):
    """The migrate Job (deploy/kubernetes/migrate-job.yaml): the app image's entrypoint with no
    hooks, waiting for the database, then `manage.py migrate` as its command; exits 0."""
    stack.db.initialise()
    stack.db.start()
    env = stack.app_pod_env()
    argv = stack.app_argv(command=["python", "manage.py", "migrate", "--noinput"], phases=False)
    log = stack.log("migrate-job")
    status = stack.processes.run(argv, env, log, cwd=APP_SOURCE, timeout=120)
    expect(status == 0, f"the Job exited {status}:\n{tail(log)}")
    expect("Applying board.0001_initial... OK" in log.read_text(), f"no migration:\n{tail(log)}")


def check_replicas_run_no_migrations(stack):
    """Two app replicas as deploy/kubernetes/app.yaml runs them (ENTRYPOINT_HOOKS_DIR empty) serve
    and apply no migration: the migration was applied once, by the Job."""
    for replica in ("app", "app2"):
        env = stack.app_pod_env(replica)
        stack.processes.start(replica, stack.app_argv(replica=replica, phases=False), env,
                              stack.log(replica), cwd=APP_SOURCE)
    for replica in ("app", "app2"):
        stack.wait_app_healthy(replica)
    logs = {name: stack.log(name).read_text(errors="replace")
            for name in ("migrate-job", "app", "app2")}
    applied = {name: text.count("Applying board.0001_initial") for name, text in logs.items()}
    expect(applied == {"migrate-job": 1, "app": 0, "app2": 0}, f"migrations applied: {applied}")
    for replica in ("app", "app2"):
        expect("Operations to perform" not in logs[replica], f"{replica} ran migrate")
        expect("hook" not in logs[replica], f"{replica} ran a hook:\n{tail(stack.log(replica))}")
    print("      migrate applied once (Job 1, app 0, app2 0)", flush=True)


def check_proxies_up(stack):
    """nginx (with `--watch`), Apache and HAProxy (the haproxy image's stop profile) come up from
    the volumes; the new replica's server is DOWN (not started yet)."""
    stack.start_nginx("nginx")
    stack.processes.start("apache", stack.apache_argv(stack.apache_command("-DFOREGROUND")),
                          stack.apache_env(), stack.log("apache"))
    stack.processes.start("haproxy", stack.haproxy_argv(stack.haproxy_command("-W", "-db")),
                          stack.haproxy_env(), stack.log("haproxy"))
    wait_until(lambda: stack.backend_states() == {"nginx": "UP", NEXT: "DOWN", "apache": "UP"}, 40,
               "HAProxy to see nginx and Apache UP, the new replica DOWN")


def check_not_pid_one(stack):
    """The entrypoints are not PID 1: they register as child subreaper, and the kernel agrees."""
    pid = stack.processes.children["nginx"].pid
    expect(pid != 1, "the entrypoint is PID 1")
    log = stack.log("nginx").read_text(errors="replace")
    expect(f"registered as child subreaper (pid {pid} is not 1)" in log,
           f"no subreaper line:\n{tail(stack.log('nginx'))}")
    expect("watch: " in log, f"no watch line:\n{tail(stack.log('nginx'))}")
    # nginx's master is the entrypoint's child; its workers' parent is the master.
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    expect(len(children) == 1, f"the entrypoint has children {children}")
    status = Path(f"/proc/{children[0]}/status").read_text()
    expect(f"PPid:\t{pid}\n" in status, "nginx's master is not the entrypoint's child")


def check_read_only_inputs(stack, before):
    """Nothing under the volumes or templates/ changed but what the atomic writer wrote last:
    every rendered config and runtime file went to the emptyDirs (which hold them)."""
    now = tree_state(stack.volumes)
    changed = sorted(set(now.items()) ^ set(stack.written.items()))
    expect(not changed, f"the volumes changed outside the atomic writer: {changed[:5]}")
    expect(tree_state(TEMPLATES) == before["templates"], "templates/ changed")
    for output in ("nginx/nginx.conf", "nginx/conf.d/default.conf", f"{NEXT}/nginx.conf",
                   f"{NEXT}/conf.d/default.conf", f"{NEXT}/nginx.pid", "httpd/httpd.conf",
                   "httpd/httpd.pid", "haproxy/haproxy.cfg", "app/app.gunicorn.conf.py",
                   "app/app2.gunicorn.conf.py"):
        expect((stack.dir / output).exists(), f"{output} is not in its emptyDir")


def post_form(stack):
    """(headers, body) of a new post: the CSRF cookie and token of one GET / through HAProxy."""
    status, headers, body = http_request(stack.ports["haproxy"], "/")
    expect(status == 200, f"GET / answered {status}")
    cookie = next((c.split(";")[0] for c in header_values(headers, "Set-Cookie")
                   if c.startswith("csrftoken=")), None)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    expect(cookie and token, "no CSRF cookie or token")
    form = (f"csrfmiddlewaretoken={token.group(1).decode()}&title=Rolling+update"
            "&author=kubelet-test&body=Posted+during+the+rolling+update.")
    return ({"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            form.encode())


def post_count(stack):
    """The number of posts, from the app's /api/health through HAProxy."""
    status, _, body = http_request(stack.ports["haproxy"], "/api/health")
    expect(status == 200, f"/api/health answered {status}")
    return json.loads(body)["posts"]


def check_rolling_update(stack, results):
    """The rolling update and the ConfigMap update under one bounded request stream through
    HAProxy: GET /api/health (200) and, every fourth request, a new post (POST /, 302; HAProxy
    retries no POST, so one cut short by a stopping nginx would count): none may fail."""
    stop = threading.Event()
    seen_header = []
    drained = applied = None
    post_headers, post_body = post_form(stack)
    expected = {}
    posts_before = post_count(stack)

    def stream():
        started = time.monotonic()
        while (not stop.is_set() and len(results) < STREAM_LIMIT
               and time.monotonic() - started < STREAM_SECONDS):
            post = len(results) % 4 == 3
            try:
                if post:
                    status, headers, _ = http_request(stack.ports["haproxy"], "/", method="POST",
                                                      headers=post_headers, body=post_body,
                                                      timeout=10)
                else:
                    status, headers, _ = http_request(stack.ports["haproxy"], "/api/health",
                                                      timeout=10)
                results.append("ok" if status == (302 if post else 200) else status)
                expected["posts"] = expected.get("posts", 0) + (post and status == 302)
                if header_values(headers, CONFIG_HEADER) == ["v2"]:
                    seen_header.append(len(results))
            except (OSError, http.client.HTTPException) as error:
                results.append(repr(error))
            time.sleep(STREAM_PAUSE)

    worker = threading.Thread(target=stream)
    worker.start()
    try:
        wait_until(lambda: len(results) >= 20, 30, "20 requests before the update")
        # Surge: the new replica, then HAProxy's health check sees it.
        stack.start_nginx(NEXT)
        wait_until(lambda: stack.backend_states().get(NEXT) == "UP", 30,
                   "HAProxy to see the new nginx replica UP")
        # The old replica's container gets SIGTERM (its entrypoint only, as kubelet signals PID 1).
        old = stack.processes.children["nginx"]
        sent = time.monotonic()
        old.send_signal(signal.SIGTERM)
        status = old.wait(timeout=40)
        drained = time.monotonic() - sent
        expect(status == 0, f"the old replica exited {status}:\n{tail(stack.log('nginx'))}")
        expect(drained >= 5, f"the old replica ended after {drained:.1f}s, inside its drain")
        log = stack.log("nginx").read_text(errors="replace")
        expect("stop: sending SIGQUIT to nginx" in log,
               f"no graceful stop:\n{tail(stack.log('nginx'))}")
        wait_until(lambda: stack.backend_states().get("nginx") == "DOWN", 15,
                   "HAProxy to mark the old replica DOWN")
        before = len(results)
        wait_until(lambda: len(results) >= before + 20, 30, "20 requests after the old one left")
        # The ConfigMap update: kubelet's atomic writer swaps ..data; --watch renders, checks, HUPs.
        files = {path.name: path.read_bytes() for path in sorted((TEMPLATES / "nginx").iterdir())}
        files["default.conf.template"] = with_config_header(
            files["default.conf.template"].decode(), "v2").encode()
        updated = time.monotonic()
        stack.write_config_map("nginx", files)
        wait_until(lambda: header_values(http_request(stack.ports[NEXT], "/healthz")[1],
                                         CONFIG_HEADER) == ["v2"], 20,
                   f"the new replica to serve {CONFIG_HEADER}: v2")
        applied = time.monotonic() - updated
        wait_until(lambda: seen_header, 20, f"{CONFIG_HEADER}: v2 through HAProxy")
        before = len(results)
        wait_until(lambda: len(results) >= before + 20, 30, "20 requests after the update")
    finally:
        stop.set()
        worker.join(timeout=20)
        failures = [r for r in results if r != "ok"]
        timings = ("" if applied is None else f" ({expected.get('posts', 0)} of them posts; "
                   f"old replica drained {drained:.1f}s; ConfigMap "
                   f"update served after {applied:.2f}s, {len(seen_header)} responses through "
                   "HAProxy carried it)")
        print(f"      rolling update: {len(failures)} failed of {len(results)}{timings}",
              flush=True)
    expect(not failures, f"{len(failures)} of {len(results)} requests failed: {failures[:5]}")
    stored = post_count(stack) - posts_before
    expect(stored == expected["posts"], f"{expected['posts']} posts answered 302, {stored} stored")
    log = stack.log(NEXT).read_text(errors="replace")
    expect("reload" in log.lower(), f"no reload in the new replica's log:\n{tail(stack.log(NEXT))}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    args = parser.parse_args()
    if not prepare(args, "kubelet"):
        return 1
    run = Run()
    started = time.monotonic()
    name = "kubelet"
    stack = KubeletStack(args.dist, args.venv, registry=args.registry)
    print(f"--    {name}: {stack.dir}", flush=True)
    ok = True
    results = []
    try:
        before = {"templates": tree_state(TEMPLATES)}
        run.check(name, "ConfigMap and Secret volumes laid out as kubelet writes them",
                  lambda: check_volume_layout(stack), required=True)
        run.check(name, "the migrate Job runs once before the app replicas",
                  lambda: check_migrate_job(stack), required=True)
        run.check(name, "app replicas without hooks serve and apply no migration",
                  lambda: check_replicas_run_no_migrations(stack), required=True)
        run.check(name, "proxies come up from the volumes; HAProxy lists both nginx replicas",
                  lambda: check_proxies_up(stack), required=True)
        run.check(name, "entrypoints are not PID 1 and act as subreaper",
                  lambda: check_not_pid_one(stack))
        run.check(name, "rolling update and ConfigMap update lose no request",
                  lambda: check_rolling_update(stack, results))
        run.check(name, "volumes and templates/ unchanged: outputs only in the emptyDirs",
                  lambda: check_read_only_inputs(stack, before))
    except KeyboardInterrupt:
        print("kubelet: interrupted", file=sys.stderr)
        run.failed += 1
        ok = False
    except (CheckFailed, StackError, OSError, Exception):  # a required step (already printed)
        ok = False
        print(f"--    {name}: stopped after a failed step; logs in {stack.dir / 'logs'}")
    finally:
        survivors = stack.down()

    def nothing_left():
        expect(not survivors, f"still running after teardown: {survivors}")

    ok &= run.check(name, "no process the test started is left running", nothing_left)
    ok &= run.check(name, "no secret appears in any log",
                    lambda: check_no_secret_in_logs(stack))
    ok &= run.failed == 0
    if ok and not args.keep:
        stack.remove()
    elif not ok:
        print(f"--    {name}: kept {stack.dir} for its logs", flush=True)
    print(f"--    {time.monotonic() - started:.0f}s")
    print(f"kubelet: {run.passed} passed, {run.failed} failed")
    return 0 if run.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
