#!/usr/bin/env python3
"""The HA stack of docker-compose.yml on 127.0.0.1, without Docker.

HAProxy -> nginx + Apache httpd -> Django on Gunicorn -> MariaDB or PostgreSQL, each on a free
loopback port, in a temporary directory, every server started through `dist/entrypoint` with the
files of `templates/` -- the same flags as the images' ENTRYPOINT, with local paths. The test
(`test_stack.py`) and the demo (`stack.py demo`) both use it.

Process bookkeeping: every server runs in a process group of its own, recorded in a file as soon
as it starts, so that `scripts/test-stack.sh`'s trap can end them even when Python itself dies.
Nothing is ever ended by name: only the recorded groups.

Standard library only; the app's own dependencies live in a virtualenv (`ensure_venv`).
"""

import argparse
import base64
import hashlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
APP_SOURCE = ROOT / "images" / "django" / "app"
REQUIREMENTS = APP_SOURCE / "requirements.txt"

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
APACHE_MODULES = Path("/usr/lib/apache2/modules")


class StackError(Exception):
    """A step of bringing the stack up failed; the message says which and why."""


# MARK: - Small helpers


def free_port():
    """A TCP port that is free on 127.0.0.1 right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port, host="127.0.0.1"):
    """True when something accepts connections on the port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(condition, timeout, what, interval=0.05):
    """Polls `condition` until it returns a true value (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise StackError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def http_request(port, path, method="GET", headers=None, body=None, timeout=5.0):
    """One request on a new connection: (status, header list, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def header_values(headers, name):
    """Every value of one header (case-insensitive name), in order."""
    return [value for key, value in headers if key.lower() == name.lower()]


def basic_auth(user, password):
    """The Authorization header value for HTTP basic authentication."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def tail(path, lines=30):
    """The last lines of a log file, for failure messages."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def ensure_venv(venv):
    """A virtualenv with the app's requirements (the image's pins), installed when they changed."""
    venv = Path(venv)
    stamp = venv / ".requirements.sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == digest:
        return venv
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    print(f"stack: installing {REQUIREMENTS.relative_to(ROOT)} into {venv}", file=sys.stderr)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
         "-r", str(REQUIREMENTS)],
        check=True,
    )
    stamp.write_text(digest + "\n")
    return venv


# MARK: - Processes


class Processes:
    """Starts servers in process groups of their own and ends exactly those groups."""

    def __init__(self, registry):
        self.registry = Path(registry)
        self.children = {}
        self.groups = []

    def start(self, name, argv, env, log, cwd=None, user=None):
        """Starts `argv` as a new session (its own process group), output appended to `log`."""
        if user is not None:
            argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--"] + argv
        with open(log, "ab") as output:
            child = subprocess.Popen(
                argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        # The group id is the child's pid (a new session); recorded before anything else happens.
        self.groups.append(child.pid)
        with open(self.registry, "a") as registry:
            registry.write(f"{child.pid}\n")
        self.children[name] = child
        return child

    def run(self, argv, env, log, cwd=None, user=None, timeout=120):
        """Runs a command to completion in its own group (ended on timeout); returns its status."""
        child = self.start(f"run-{len(self.groups)}", argv, env, log, cwd=cwd, user=user)
        try:
            status = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(child.pid, signal.SIGKILL)
            child.wait()
            raise StackError(f"{argv[0]} ran longer than {timeout}s:\n{tail(log)}") from None
        self.release({group for _, group, _ in self.members()})
        return status

    def signal_group(self, group, signum):
        """Sends a signal to one recorded group; a group that is gone already is fine."""
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            pass

    def kill(self, name, signum=signal.SIGKILL):
        """Sends `signum` to a server's whole group, as `docker kill` hits a whole container."""
        self.signal_group(self.children[name].pid, signum)

    def alive(self, name):
        """True while the server's main process has not exited."""
        return self.children[name].poll() is None

    def members(self):
        """(pid, group, command) of every live process in a recorded group, ours reaped first."""
        for child in self.children.values():
            child.poll()
        found = []
        wanted = set(self.groups)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # Fields after the parenthesised command: state, ppid, pgrp, ...
            command = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z" and int(fields[2]) in wanted:
                found.append((int(entry), int(fields[2]), command))
        return found

    def stop_all(self, timeout=15.0):
        """SIGTERM to every group (last started first), SIGKILL to what remains after `timeout`."""
        for group in reversed(self.groups):
            self.signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.members() and time.monotonic() < deadline:
            time.sleep(0.05)
        for group in reversed(self.groups):
            self.signal_group(group, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while self.members() and time.monotonic() < deadline:
            time.sleep(0.05)
        for child in self.children.values():
            try:
                child.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        survivors = self.members()
        self.release({group for _, group, _ in survivors})
        return survivors

    def release(self, surviving_groups):
        """Drops our groups that are gone from the registry file, so that a trap never signals a
        process group id the kernel may have handed to someone else since."""
        gone = {group for group in self.groups if group not in surviving_groups}
        self.groups = [group for group in self.groups if group not in gone]
        try:
            lines = self.registry.read_text().split()
        except OSError:
            return
        kept = [line for line in lines if int(line) not in gone]
        self.registry.write_text("".join(f"{line}\n" for line in kept))


# MARK: - Databases


class MariaDB:
    """A throwaway MariaDB server: initialised socket-only (users and database created before any
    TCP port opens, as the mysql image does), then started on a loopback port."""

    engine = "mysql"
    scheme = "mysql"

    def __init__(self, stack):
        self.stack = stack
        self.dir = stack.dir / "mariadb"
        self.data = self.dir / "data"
        self.socket = self.dir / "mysqld.sock"
        self.port = free_port()

    def server_argv(self, networking):
        argv = [
            "mariadbd", "--no-defaults", f"--datadir={self.data}", f"--socket={self.socket}",
            f"--pid-file={self.dir / 'mariadbd.pid'}", "--user=root", f"--tmpdir={self.dir}",
            "--innodb-buffer-pool-size=32M", "--max-connections=100", "--skip-name-resolve",
        ]
        if networking:
            argv += [f"--port={self.port}", "--bind-address=127.0.0.1"]
        else:
            argv += ["--skip-networking"]
        return argv

    def initialise(self):
        self.dir.mkdir(parents=True)
        log = self.stack.log("mariadb-init")
        status = self.stack.processes.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={self.data}", "--user=root",
             "--skip-test-db", "--auth-root-authentication-method=socket"],
            self.stack.base_env(), log)
        if status != 0:
            raise StackError(f"mariadb-install-db failed ({status}):\n{tail(log)}")
        server = self.stack.processes.start(
            "mariadb-init-server", self.server_argv(networking=False), self.stack.base_env(), log)
        client = ["mariadb", "--no-defaults", f"--socket={self.socket}", "--user=root"]
        wait_until(
            lambda: server.poll() is not None or subprocess.run(
                client + ["-e", "SELECT 1"], capture_output=True).returncode == 0,
            30, "the initialising MariaDB server")
        if server.poll() is not None:
            raise StackError(f"mariadbd exited during initialisation:\n{tail(log)}")
        password = self.stack.db_password
        sql = (
            "CREATE DATABASE board CHARACTER SET utf8mb4;"
            f"CREATE USER 'board'@'%' IDENTIFIED BY '{password}';"
            "GRANT ALL ON board.* TO 'board'@'%';"
        )
        result = subprocess.run(client + ["-e", sql], capture_output=True, text=True)
        if result.returncode != 0:
            raise StackError(f"creating the board database failed: {result.stderr.strip()}")
        server.terminate()
        server.wait(timeout=30)

    def start(self):
        self.stack.processes.start(
            "db", self.server_argv(networking=True), self.stack.base_env(), self.stack.log("db"))


class PostgreSQL:
    """A throwaway PostgreSQL 15 server run as the `postgres` user: initialised socket-only, then
    started on a loopback port."""

    engine = "postgresql"
    scheme = "postgres"

    def __init__(self, stack):
        self.stack = stack
        self.dir = stack.dir / "postgresql"
        self.data = self.dir / "data"
        self.port = free_port()

    def server_argv(self, networking):
        listen = "127.0.0.1" if networking else ""
        return [
            str(POSTGRES_BIN / "postgres"), "-D", str(self.data), "-k", str(self.dir),
            "-p", str(self.port), "-c", f"listen_addresses={listen}", "-c", "fsync=off",
            "-c", "shared_buffers=16MB",
        ]

    def initialise(self):
        self.dir.mkdir(parents=True)
        shutil.chown(self.dir, "postgres", "postgres")
        log = self.stack.log("postgresql-init")
        status = self.stack.processes.run(
            [str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
             "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"],
            self.stack.base_env(), log, user="postgres")
        if status != 0:
            raise StackError(f"initdb failed ({status}):\n{tail(log)}")
        server = self.stack.processes.start(
            "postgresql-init-server", self.server_argv(networking=False),
            self.stack.base_env(), log, user="postgres")
        client = [str(POSTGRES_BIN / "psql"), "-h", str(self.dir), "-p", str(self.port),
                  "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
        wait_until(
            lambda: server.poll() is not None or subprocess.run(
                client + ["-c", "SELECT 1"], capture_output=True).returncode == 0,
            30, "the initialising PostgreSQL server")
        if server.poll() is not None:
            raise StackError(f"postgres exited during initialisation:\n{tail(log)}")
        password = self.stack.db_password
        for statement in (f"CREATE ROLE board LOGIN PASSWORD '{password}'",
                          "CREATE DATABASE board OWNER board"):
            result = subprocess.run(client + ["-c", statement], capture_output=True, text=True)
            if result.returncode != 0:
                raise StackError(f"creating the board database failed: {result.stderr.strip()}")
        server.send_signal(signal.SIGINT)  # fast shutdown
        server.wait(timeout=30)

    def start(self):
        self.stack.processes.start(
            "db", self.server_argv(networking=True), self.stack.base_env(),
            self.stack.log("db"), user="postgres")


# MARK: - The stack


class Stack:
    """One topology in one temporary directory."""

    def __init__(self, engine, dist, venv, registry=None):
        self.dist = Path(dist)
        self.venv = Path(venv)
        self.dir = Path(tempfile.mkdtemp(prefix=f"stack-{engine}-"))
        # Readable by the servers' unprivileged users (nginx's workers, Apache's children, postgres).
        self.dir.chmod(0o755)
        for sub in ("logs", "static", "secrets", "nginx/conf.d", "httpd", "haproxy", "app"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        self.processes = Processes(registry or self.dir / "groups")
        self.db_password = secrets.token_hex(16)
        self.stats_password = secrets.token_hex(12)
        self.secret_key = secrets.token_hex(32)
        self.write_secret("db_password", self.db_password)
        self.write_secret("stats_password", self.stats_password)
        self.write_secret("secret_key", self.secret_key)
        self.db = MariaDB(self) if engine == "mariadb" else PostgreSQL(self)
        self.ports = {
            "haproxy": free_port(), "stats": free_port(), "nginx": free_port(),
            "apache": free_port(), "app": free_port(), "app2": free_port(),
        }
        self.static = self.dir / "static"

    # MARK: Environment

    def template(self, server, name):
        """Where a server's template is read from (templates/; a ConfigMap volume in
        test_kubelet.py)."""
        return TEMPLATES / server / name

    def secret(self, name):
        """Where a secret file is read from (a `_FILE` path)."""
        return self.dir / "secrets" / name

    def write_secret(self, name, value):
        path = self.dir / "secrets" / name
        path.write_text(value + "\n")
        path.chmod(0o600)

    def log(self, name):
        return self.dir / "logs" / f"{name}.log"

    def base_env(self):
        """A small, explicit environment: nothing of the caller's leaks into the servers."""
        return {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LANG": "C.UTF-8", "HOME": str(self.dir)}

    def entrypoint(self):
        return str(self.dist / "entrypoint")

    def nginx_env(self, replica="nginx"):
        """nginx's environment; `replica` picks its port and its own runtime directory."""
        env = self.base_env()
        run = self.dir / replica
        env.update({
            "NGINX_LISTEN": f"127.0.0.1:{self.ports[replica]}",
            "NGINX_PORT": str(self.ports[replica]),
            "NGINX_PID_PATH": str(run / "nginx.pid"),
            "NGINX_TEMP_DIR": str(run),
            "NGINX_CONF_DIR": str(run / "conf.d"),
            "BACKEND_HOST": "127.0.0.1",
            "BACKEND_PORT": str(self.ports["app"]),
            "STATIC_ROOT": str(self.static),
        })
        return env

    def nginx_argv(self, command, replica="nginx", options=()):
        """The nginx image's ENTRYPOINT (images/nginx/Dockerfile) with local paths."""
        run = self.dir / replica
        return [
            self.entrypoint(), "--braces-only", *options,
            "--template", f"{self.template('nginx', 'nginx.conf.template')}:{run}/nginx.conf",
            "--template",
            f"{self.template('nginx', 'default.conf.template')}:{run}/conf.d/default.conf",
            "--", *command,
        ]

    def nginx_command(self, *extra, replica="nginx"):
        return ["nginx", "-e", "stderr", "-c", str(self.dir / replica / "nginx.conf"), *extra]

    def apache_env(self):
        env = self.base_env()
        env.update({
            "APACHE_SERVER_ROOT": str(self.dir / "httpd"),
            "APACHE_LISTEN": f"127.0.0.1:{self.ports['apache']}",
            "APACHE_PORT": str(self.ports["apache"]),
            "APACHE_PID_PATH": str(self.dir / "httpd" / "httpd.pid"),
            "APACHE_RUN_DIR": str(self.dir / "httpd"),
            "APACHE_MODULES_DIR": str(APACHE_MODULES),
            "APACHE_MIME_TYPES": "/etc/mime.types",
            "BACKEND_HOST": "127.0.0.1",
            "BACKEND_PORT": str(self.ports["app"]),
            "STATIC_ROOT": str(self.static),
        })
        return env

    def apache_argv(self, command):
        """The httpd image's ENTRYPOINT (images/httpd/Dockerfile) with local paths."""
        return [
            self.entrypoint(), "--braces-only",
            "--template",
            f"{self.template('httpd', 'httpd.conf.template')}:{self.dir}/httpd/httpd.conf",
            "--", *command,
        ]

    def apache_command(self, *extra):
        return ["apache2", "-f", str(self.dir / "httpd" / "httpd.conf"), *extra]

    def haproxy_env(self):
        env = self.base_env()
        env.update({
            "HAPROXY_LISTEN": f"127.0.0.1:{self.ports['haproxy']}",
            "HAPROXY_STATS_LISTEN": f"127.0.0.1:{self.ports['stats']}",
            "HAPROXY_STATS_USER": "admin",
            "HAPROXY_STATS_PASSWORD_FILE": str(self.secret("stats_password")),
            "HAPROXY_CHECK_INTERVAL": "500ms",
            "NGINX_HOST": "127.0.0.1",
            "NGINX_PORT": str(self.ports["nginx"]),
            "APACHE_HOST": "127.0.0.1",
            "APACHE_PORT": str(self.ports["apache"]),
        })
        return env

    def haproxy_argv(self, command, options=()):
        """The haproxy image's ENTRYPOINT (images/haproxy/Dockerfile) with local paths."""
        return [
            self.entrypoint(), "--braces-only", *options,
            "--template",
            f"{self.template('haproxy', 'haproxy.cfg.template')}:{self.dir}/haproxy/haproxy.cfg",
            "--", *command,
        ]

    def haproxy_command(self, *extra):
        return ["haproxy", *extra, "-f", str(self.dir / "haproxy" / "haproxy.cfg")]

    def app_env(self, db_port=None, replica="app"):
        """The app's environment; `replica` picks its port and rendered config ("app", "app2")."""
        env = self.base_env()
        env["PATH"] = f"{self.venv / 'bin'}:{env['PATH']}"
        port = db_port or self.db.port
        env.update({
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "board_project.settings",
            "APP_DIR": str(APP_SOURCE),
            "STATIC_ROOT": str(self.static),
            "DB_ENGINE": self.db.engine,
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(port),
            "DB_NAME": "board",
            "DB_USER": "board",
            "DB_PASSWORD_FILE": str(self.secret("db_password")),
            "SECRET_KEY_FILE": str(self.secret("secret_key")),
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "GUNICORN_BIND": f"127.0.0.1:{self.ports[replica]}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_WORKER_TMP_DIR": str(self.dir / "app"),
            "ENTRYPOINT_WAIT": f"{self.db.scheme}://127.0.0.1:{port}",
        })
        return env

    def app_argv(self, wait_timeout="60s", command=None, phases=True, replica="app",
                 probe=False):
        """The app image's ENTRYPOINT (images/django/Dockerfile) with local paths; without
        `phases`, only the render (no wait timeout, lock or hooks); with `probe`, a first hook
        that records when the replica's hook phase holds the lock (lock_probe.py)."""
        config = self.dir / "app" / f"{replica}.gunicorn.conf.py"
        argv = [
            self.entrypoint(), "--braces-only",
            "--template", f"{self.template('gunicorn', 'gunicorn.conf.py.template')}:{config}",
        ]
        if phases:
            argv += [
                "--wait-timeout", wait_timeout,
                "--lock", str(self.static / ".entrypoint.lock"),
            ]
            if probe:
                argv += ["--hook", f"python {Path(__file__).parent / 'lock_probe.py'} "
                                   f"{self.dir / 'app' / 'lock-probe'} {replica}"]
            argv += [
                "--hook", "python manage.py migrate --noinput",
                "--hook", "python manage.py collectstatic --noinput",
            ]
        return argv + ["--", *(command or ["gunicorn", "--config", str(config)])]

    # MARK: Bringing it up

    def start_app(self, replica="app", probe=False):
        """One replica of the app; replicas share the static directory and its lock."""
        self.processes.start(replica, self.app_argv(replica=replica, probe=probe),
                             self.app_env(replica=replica), self.log(replica), cwd=APP_SOURCE)

    def wait_app_healthy(self, replica="app", timeout=90):
        def healthy():
            if not self.processes.alive(replica):
                status = self.processes.children[replica].returncode
                raise StackError(f"{replica} exited ({status}):\n{tail(self.log(replica))}")
            try:
                return http_request(self.ports[replica], "/api/health", timeout=2)[0] == 200
            except OSError:
                return False
        wait_until(healthy, timeout, f"{replica}'s /api/health")

    def start_proxies(self):
        self.processes.start("nginx", self.nginx_argv(self.nginx_command("-g", "daemon off;")),
                             self.nginx_env(), self.log("nginx"))
        self.processes.start("apache", self.apache_argv(self.apache_command("-DFOREGROUND")),
                             self.apache_env(), self.log("apache"))
        self.processes.start("haproxy", self.haproxy_argv(self.haproxy_command("-W", "-db")),
                             self.haproxy_env(), self.log("haproxy"))
        for name, path in (("nginx", "/healthz"), ("apache", "/healthz"), ("haproxy", "/healthz")):
            def up(name=name, path=path):
                if not self.processes.alive(name):
                    raise StackError(f"{name} exited:\n{tail(self.log(name))}")
                try:
                    return http_request(self.ports[name], path, timeout=2)[0] == 200
                except OSError:
                    return False
            wait_until(up, 30, f"{name} on port {self.ports[name]}")
        wait_until(lambda: self.server_states() == {"nginx": "UP", "apache": "UP"}, 30,
                   "HAProxy to see nginx and Apache UP")

    def up(self):
        """The whole topology, database first."""
        self.db.initialise()
        self.db.start()
        self.start_app()
        self.wait_app_healthy()
        self.start_proxies()

    def stats(self):
        """HAProxy's statistics as rows of dicts (the CSV export of the stats page)."""
        status, _, body = http_request(
            self.ports["stats"], "/;csv",
            headers={"Authorization": basic_auth("admin", self.stats_password)})
        if status != 200:
            raise StackError(f"stats page answered {status}")
        lines = body.decode().splitlines()
        names = lines[0].lstrip("# ").split(",")
        return [dict(zip(names, line.split(","))) for line in lines[1:] if line]

    def server_states(self):
        """{server: status} of the `proxies` backend."""
        try:
            rows = self.stats()
        except (OSError, StackError):
            return {}
        return {row["svname"]: row["status"].split()[0] for row in rows
                if row["pxname"] == "proxies" and row["svname"] in ("nginx", "apache")}

    def down(self):
        """Ends every process started; returns what survived (should be nothing)."""
        return self.processes.stop_all()

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# MARK: - Capabilities of the binaries in dist/


def entrypoint_state(dist):
    """'ready' when dist/entrypoint renders templates and execs; otherwise what went wrong."""
    binary = Path(dist) / "entrypoint"
    if not os.access(binary, os.X_OK):
        return f"{binary} is missing (run `make dist`)"
    with tempfile.TemporaryDirectory() as scratch:
        template = Path(scratch) / "probe.template"
        template.write_text("listen ${PROBE_PORT:-8080}; $host\n")
        output = Path(scratch) / "probe"
        result = subprocess.run(
            [str(binary), "--braces-only", "--template", f"{template}:{output}", "--", "true"],
            capture_output=True, text=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        rendered = output.read_text() if output.exists() else None
        if result.returncode == 0 and rendered == "listen 8080; $host\n":
            return "ready"
        return (f"`entrypoint --braces-only --template probe:out -- true` exited "
                f"{result.returncode}, rendered {rendered!r}: {result.stderr.strip()}")


# MARK: - Demo


def demo(args):
    dist = Path(args.dist)
    venv = ensure_venv(args.venv)
    stack = Stack(args.engine, dist, venv, registry=args.registry)
    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print(f"stack: starting in {stack.dir} ({args.engine}); logs in {stack.dir / 'logs'}")
        stack.up()
        ports = stack.ports
        print(f"""
  the board (through HAProxy)   http://127.0.0.1:{ports['haproxy']}/
  HAProxy statistics            http://127.0.0.1:{ports['stats']}/   user admin, password in {stack.dir / 'secrets' / 'stats_password'}
  nginx directly                http://127.0.0.1:{ports['nginx']}/
  Apache httpd directly         http://127.0.0.1:{ports['apache']}/
  Gunicorn directly             http://127.0.0.1:{ports['app']}/api/health
  {args.engine:<29} 127.0.0.1:{stack.db.port}
  rendered configurations       {stack.dir}/nginx {stack.dir}/httpd {stack.dir}/haproxy {stack.dir}/app

Ctrl-C stops everything this demo started.""", flush=True)
        while stop["signal"] is None:
            for name in ("db", "app", "nginx", "apache", "haproxy"):
                if not stack.processes.alive(name):
                    print(f"stack: {name} exited:\n{tail(stack.log(name))}", file=sys.stderr)
                    stop["signal"] = signal.SIGTERM
                    break
            time.sleep(0.2)
        return 0
    except StackError as error:
        print(f"stack: error: {error}", file=sys.stderr)
        return 1
    finally:
        print("\nstack: stopping", file=sys.stderr)
        survivors = stack.down()
        if survivors:
            print(f"stack: still running: {survivors}", file=sys.stderr)
        stack.remove()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_demo = sub.add_parser("demo", help="start the topology until Ctrl-C")
    run_demo.add_argument("--engine", choices=["mariadb", "postgresql"], default="mariadb")
    run_demo.add_argument("--dist", default=str(ROOT / "dist"))
    run_demo.add_argument("--venv", default=str(ROOT / ".demo" / "venv"))
    run_demo.add_argument("--registry", help="file to record process groups in (for a trap)")
    venv = sub.add_parser("venv", help="create or update the app's virtualenv")
    venv.add_argument("--venv", default=str(ROOT / ".demo" / "venv"))
    args = parser.parse_args()
    if args.command == "demo":
        return demo(args)
    ensure_venv(args.venv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
