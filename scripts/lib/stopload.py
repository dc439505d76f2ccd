#!/usr/bin/env python3
"""Graceful stop under load, 127.0.0.1 only: a slow HTTP backend and a bounded load generator.

Used by Tests/ServerTests/GracefulStopTests.swift and scripts/bench/stop.sh.

  stopload.py backend
      Serves GET /?ms=N (default 200) after sleeping N ms, HTTP/1.1 with keep-alive; prints its port.
      Ends when its stdin reaches end of file: when the test process that started it is gone.

  stopload.py load URL PID [--warm S] [--lag S] [--long-at S] [--workers N] [--long N]
      Sends GET URL?ms=200 from N keep-alive and N fresh-connection workers for --warm seconds, then
      SIGTERM to PID, and goes on for --lag seconds more: the load balancer that still routes to a
      pod for a second or two after SIGTERM, until the endpoint is removed. At --long-at seconds
      after the signal, --long requests of 1500 ms start on fresh connections: they are in flight
      when a drain delay shorter than that ends and the graceful signal arrives. Prints one JSON
      object with the counts.

Every request ends as one of:
  ok       a complete response with status 200;
  refused  the connection was refused (or reset before it was established): the server was not
           listening, so it never accepted the request — a load balancer tries another replica;
  lost     the connection was established (the server, or its kernel backlog, accepted it) but the
           request did not complete with status 200: reset, closed mid-response, a 5xx, a timeout.
A request on a reused keep-alive connection that the server closed while it was idle (end of file or
reset before any byte of the response) is retried once on a fresh connection, as HTTP clients do for
idempotent requests (RFC 9112, 9.3.1), and counted as `retried`; the retry's outcome is the request's.
"""

import http.server
import json
import os
import signal
import socket
import sys
import threading
import time


def backend():
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            milliseconds = 200
            if "?ms=" in self.path:
                milliseconds = int(self.path.split("?ms=", 1)[1])
            time.sleep(milliseconds / 1000)
            body = b"ok\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *arguments):
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 512

        def handle_error(self, request, client_address):
            pass  # a proxy that dropped the connection (the baseline's fast stops): not our news

    server = Server(("127.0.0.1", 0), Handler)

    def end_with_parent():
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=end_with_parent, daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()


class Closed(Exception):
    """The server closed an idle keep-alive connection before answering."""


def read_response(sock):
    """Reads one response; returns (status, keep_alive). Raises Closed when nothing came at all."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            if not data:
                raise Closed()
            raise ConnectionError("closed mid-response")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-body")
        body += chunk
    return status, headers.get("connection") != "close"


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {"ok": 0, "lost": 0, "refused": 0, "retried": 0, "long_ok": 0,
                       "long_lost": 0, "long_refused": 0, "in_flight_at_signal": 0}
        self.statuses = {}
        self.errors = {}

    def add(self, name, detail=None):
        with self.lock:
            self.values[name] += 1
            if detail is not None:
                table = self.statuses if isinstance(detail, int) else self.errors
                table[str(detail)] = table.get(str(detail), 0) + 1


def connect(host, port):
    sock = socket.create_connection((host, port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def attempt(host, port, path, sock, keep_alive):
    """One request on `sock` (None: a fresh connection). Returns (outcome, detail, sock or None)."""
    reused = sock is not None
    try:
        if sock is None:
            sock = connect(host, port)
    except (ConnectionRefusedError, ConnectionResetError):
        return "refused", None, None
    except OSError as error:
        return "lost", type(error).__name__, None
    try:
        connection = "keep-alive" if keep_alive else "close"
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {connection}\r\n\r\n"
                     .encode())
        status, server_keeps = read_response(sock)
    except (Closed, ConnectionResetError, BrokenPipeError) as error:
        sock.close()
        if reused and not isinstance(error, BrokenPipeError) or reused:
            return "closed-idle", None, None
        return "lost", type(error).__name__, None
    except OSError as error:
        sock.close()
        return "lost", type(error).__name__, None
    if not (keep_alive and server_keeps):
        sock.close()
        sock = None
    return ("ok" if status == 200 else "lost"), (None if status == 200 else status), sock


def request(counts, host, port, path, sock, keep_alive, prefix=""):
    outcome, detail, sock = attempt(host, port, path, sock, keep_alive)
    if outcome == "closed-idle":
        counts.add("retried")
        outcome, detail, sock = attempt(host, port, path, None, keep_alive)
    counts.add(prefix + outcome, detail)
    return outcome, sock


def load(arguments):
    url, pid = arguments[0], int(arguments[1])
    options = dict(zip(arguments[2::2], arguments[3::2]))
    warm = float(options.get("--warm", "1"))
    lag = float(options.get("--lag", "1"))
    long_at = float(options.get("--long-at", "0.5"))
    workers = int(options.get("--workers", "32"))
    long_count = int(options.get("--long", "4"))
    host, _, rest = url.removeprefix("http://").partition(":")
    port = int(rest.split("/")[0])
    counts = Counts()
    in_flight = [0]
    in_flight_lock = threading.Lock()
    start = time.monotonic()
    signal_at = start + warm
    end = signal_at + lag

    def worker(keep_alive):
        sock = None
        while time.monotonic() < end:
            with in_flight_lock:
                in_flight[0] += 1
            outcome, sock = request(counts, host, port, "/?ms=200", sock, keep_alive)
            with in_flight_lock:
                in_flight[0] -= 1
            if outcome == "refused":
                time.sleep(0.02)  # a load balancer's retry interval, not a busy loop
        if sock is not None:
            sock.close()

    def long_request():
        time.sleep(max(0.0, signal_at + long_at - time.monotonic()))
        request(counts, host, port, "/?ms=1500", None, False, prefix="long_")

    threads = [threading.Thread(target=worker, args=(index % 2 == 0,)) for index in
               range(2 * workers)]
    threads += [threading.Thread(target=long_request) for _ in range(long_count)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, signal_at - time.monotonic()))
    with in_flight_lock:
        counts.values["in_flight_at_signal"] = in_flight[0]
    os.kill(pid, signal.SIGTERM)
    for thread in threads:
        thread.join()
    result = dict(counts.values)
    result["statuses"] = counts.statuses
    result["errors"] = counts.errors
    result["total"] = sum(counts.values[name] for name in ("ok", "lost", "long_ok", "long_lost"))
    print(json.dumps(result, sort_keys=True), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["backend"]:
        backend()
    elif sys.argv[1:2] == ["load"]:
        load(sys.argv[2:])
    else:
        sys.exit(__doc__)
