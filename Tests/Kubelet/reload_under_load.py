#!/usr/bin/env python3
"""A real server under load through `entrypoint --watch`, its config on a kubelet-style volume.

One run, for one of nginx, httpd (Debian's apache2) and HAProxy (master-worker):

 1. The server's config template is a key of a volume written by atomic_writer.py (kubelet's
    sequence); `entrypoint --watch` renders it, starts the server under `--init`, and watches.
 2. A bounded request stream (one fresh connection per request, 127.0.0.1 only, at most
    --max-requests and --max-seconds) runs for the whole run; each response's X-Version header
    says which config served it.
 3. The volume is updated in the order --updates gives: `good` (a new version; the time from the
    ..data rename to the first response showing it is recorded) or `broken` (a config the
    server's own check rejects; it must never be served, and the entrypoint must log the
    rejected reload).
 4. The server is stopped (SIGTERM to the entrypoint, forwarded) and everything it started ends
    with its process group.

The result is one JSON object on stdout: requests, failed (with the first errors), the latencies
of the good updates in ms, whether a broken version was served, the entrypoint's reload lines.
Used by the ServerTests suite (EntrypointWatchServerTests) and by scripts/bench/reload.sh.
Standard library only.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atomic_writer  # noqa: E402

APACHE_MODULES = "/usr/lib/apache2/modules"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# MARK: - The servers: a config per version, the command, the check and the reload signal


def nginx_config(directory, port, version, broken):
    extra = "    bogus_directive on;\n" if broken else ""
    return f"""daemon off;
user root;
worker_processes 1;
pid {directory}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
{extra}    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            add_header X-Version {version} always;
            return 200 "ok\\n";
        }}
    }}
}}
"""


def httpd_config(directory, port, version, broken, mpm="event"):
    extra = "BogusDirective on\n" if broken else ""
    return f"""ServerRoot "{directory}"
Listen 127.0.0.1:{port}
ServerName localhost
PidFile "{directory}/httpd.pid"
DefaultRuntimeDir "{directory}"
LoadModule mpm_{mpm}_module {APACHE_MODULES}/mod_mpm_{mpm}.so
LoadModule authz_core_module {APACHE_MODULES}/mod_authz_core.so
LoadModule headers_module {APACHE_MODULES}/mod_headers.so
User nobody
Group nogroup
ErrorLog /proc/self/fd/2
LogLevel warn
KeepAlive Off
{extra}DocumentRoot "{directory}/htdocs"
<Directory "{directory}/htdocs">
    Require all granted
</Directory>
Header always set X-Version "{version}"
"""


def haproxy_config(directory, port, version, broken):
    extra = "    bogus_keyword on\n" if broken else ""
    return f"""global
    log stderr format raw local0 warning
{extra}defaults
    mode http
    log global
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend web
    bind 127.0.0.1:{port}
    http-request return status 200 content-type text/plain string "ok" hdr X-Version {version}
"""


SERVERS = {
    "nginx": {
        "config": nginx_config,
        "file": "nginx.conf",
        "command": lambda conf: ["nginx", "-c", conf],
        "check": lambda conf: f"nginx -t -q -c {conf}",
        "signal": "HUP",
        "path": "/",
        "binary": "/usr/sbin/nginx",
    },
    "httpd": {
        "config": httpd_config,
        "file": "httpd.conf",
        "command": lambda conf: ["apache2", "-f", conf, "-DFOREGROUND"],
        "check": lambda conf: f"apache2 -t -f {conf}",
        "signal": "USR1",
        "path": "/index.html",
        "binary": "/usr/sbin/apache2",
    },
    # The same with the prefork MPM: the event MPM starts the new generation of children at its
    # once-a-second maintenance cycle after a graceful restart, prefork as the old ones exit.
    "httpd-prefork": {
        "config": lambda *arguments: httpd_config(*arguments, mpm="prefork"),
        "file": "httpd.conf",
        "command": lambda conf: ["apache2", "-f", conf, "-DFOREGROUND"],
        "check": lambda conf: f"apache2 -t -f {conf}",
        "signal": "USR1",
        "path": "/index.html",
        "binary": "/usr/sbin/apache2",
    },
    "haproxy": {
        "config": haproxy_config,
        "file": "haproxy.cfg",
        "command": lambda conf: ["haproxy", "-W", "-db", "-f", conf],
        "check": lambda conf: f"haproxy -c -q -f {conf}",
        "signal": "USR2",
        "path": "/",
        "binary": "/usr/sbin/haproxy",
    },
}


# MARK: - The request stream


class Stream(threading.Thread):
    """Requests to 127.0.0.1:port, one fresh connection each, until stopped or bounded out."""

    def __init__(self, port, path, max_requests, max_seconds):
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.max_requests, self.max_seconds = max_requests, max_seconds
        self.requests = 0
        self.failures = []
        self.seen = {}  # version -> monotonic ns of the first response showing it
        self.stopping = threading.Event()

    def run(self):
        end = time.monotonic() + self.max_seconds
        while not self.stopping.is_set() and self.requests < self.max_requests:
            if time.monotonic() > end:
                break
            self.requests += 1
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", self.path, headers={"Connection": "close"})
                response = connection.getresponse()
                response.read()
                version = response.getheader("X-Version")
                connection.close()
                if response.status != 200:
                    self.failures.append(f"status {response.status}")
                    continue
                self.seen.setdefault(version, time.monotonic_ns())
            except (OSError, http.client.HTTPException) as error:
                self.failures.append(f"{type(error).__name__}: {error}")

    def stop(self):
        self.stopping.set()
        self.join(10)


# MARK: - One run


class Run:
    def __init__(self, entrypoint, server, debounce):
        self.spec = SERVERS[server]
        self.server = server
        self.directory = tempfile.mkdtemp(prefix=f"watch-{server}.")
        os.chmod(self.directory, 0o755)
        self.volume = os.path.join(self.directory, "volume")
        os.makedirs(os.path.join(self.directory, "htdocs"))
        os.makedirs(self.volume)
        with open(os.path.join(self.directory, "htdocs", "index.html"), "w") as page:
            page.write("ok\n")
        self.port = free_port()
        self.conf = os.path.join(self.directory, self.spec["file"])
        self.key = self.spec["file"] + ".template"
        self.entrypoint, self.debounce = entrypoint, debounce
        self.stderr = []
        self.process = None

    def project(self, version, broken=False):
        """One kubelet update of the volume; returns the monotonic ns of its ..data rename."""
        text = self.spec["config"](self.directory, self.port, version, broken)
        return atomic_writer.write(self.volume, {self.key: (text.encode(), 0o644)})

    def start(self):
        self.project("v0")
        argv = [
            self.entrypoint, "--watch", "--watch-debounce", self.debounce,
            "--template", f"{self.volume}/{self.key}:{self.conf}",
            "--reload-check", self.spec["check"](self.conf),
            "--reload-signal", self.spec["signal"],
            "--", *self.spec["command"](self.conf),
        ]
        environment = dict(os.environ, PATH="/usr/sbin:/usr/bin:/sbin:/bin")
        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=environment, start_new_session=True, text=True)
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stderr(self):
        for line in self.process.stderr:
            self.stderr.append(line.rstrip("\n"))

    def reload_lines(self):
        return [line for line in list(self.stderr) if " reload: " in line]

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def wait_until(condition, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.002)
    return condition()


def answers(port, path):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.getheader("X-Version")
    except (OSError, http.client.HTTPException):
        return None


def run(options):
    result = {"server": options.server, "latencies_ms": [], "broken_served": [],
              "updates": options.updates, "error": None}
    current = Run(options.entrypoint, options.server, options.debounce)
    stream = None
    try:
        current.start()
        if not wait_until(lambda: answers(current.port, current.spec["path"]) == "v0", 20):
            result["error"] = "the server did not start serving v0"
            return result
        stream = Stream(current.port, current.spec["path"], options.max_requests,
                        options.max_seconds)
        stream.start()
        wait_until(lambda: "v0" in stream.seen, 5)
        broken_versions = []
        for index, kind in enumerate(options.updates.split(","), start=1):
            reloads_before = len(current.reload_lines())
            if kind == "good":
                version = f"v{index}"
                renamed = current.project(version)
                if not wait_until(lambda: version in stream.seen, options.bound):
                    result["error"] = f"update {index} ({version}) not served within {options.bound}s"
                    break
                result["latencies_ms"].append((stream.seen[version] - renamed) / 1e6)
                wait_until(lambda: len(current.reload_lines()) > reloads_before, 5)
            elif kind == "broken":
                version = f"broken{index}"
                broken_versions.append(version)
                current.project(version, broken=True)
                if not wait_until(lambda: len(current.reload_lines()) > reloads_before, 5):
                    result["error"] = f"update {index} (broken) was never reloaded"
                    break
                # Long enough for a reload that should not have happened to show.
                time.sleep(0.3)
            else:
                result["error"] = f"unknown update kind {kind!r}"
                break
            time.sleep(options.pause)
    finally:
        if stream is not None:
            stream.stop()
            result["requests"] = stream.requests
            result["failed"] = len(stream.failures)
            result["failures"] = stream.failures[:5]
            result["broken_served"] = [v for v in stream.seen if v and v.startswith("broken")]
        current.stop()
        result["reloads"] = current.reload_lines()
        result["stderr_tail"] = current.stderr[-20:]
    return result


def main(arguments):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entrypoint", required=True, help="the entrypoint binary (dist/)")
    parser.add_argument("--server", choices=sorted(SERVERS), required=True)
    parser.add_argument("--updates", default="good,broken,good",
                        help="comma-separated good/broken updates, in order")
    parser.add_argument("--debounce", default="50ms", help="--watch-debounce")
    parser.add_argument("--bound", type=float, default=5.0,
                        help="seconds a good update may take to be served")
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between updates")
    parser.add_argument("--max-requests", type=int, default=50000)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    options = parser.parse_args(arguments)
    if not os.path.exists(SERVERS[options.server]["binary"]):
        print(json.dumps({"server": options.server, "skipped": "not installed"}))
        return 0
    print(json.dumps(run(options)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
