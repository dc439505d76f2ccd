import Testing
import WaitFor

@Suite struct TargetParsingTests {
    @Test(arguments: [
        ("host and port", "db:5432", Target.Check.tcp(host: "db", port: 5432), "db:5432"),
        ("tcp scheme", "tcp://db:5432", .tcp(host: "db", port: 5432), "db:5432"),
        ("IPv4 address", "127.0.0.1:80", .tcp(host: "127.0.0.1", port: 80), "127.0.0.1:80"),
        ("IPv6 in brackets", "[::1]:5432", .tcp(host: "::1", port: 5432), "[::1]:5432"),
        ("tcp IPv6", "tcp://[fe80::1]:22", .tcp(host: "fe80::1", port: 22), "[fe80::1]:22"),
        ("underscore host", "my_db:1", .tcp(host: "my_db", port: 1), "my_db:1"),
        ("highest port", "db:65535", .tcp(host: "db", port: 65535), "db:65535"),
        (
            "http defaults", "http://web",
            .http(host: "web", port: 80, path: "/", statuses: 200...399), "http://web/"
        ),
        (
            "http with port and path", "http://web:8080/health/ready",
            .http(host: "web", port: 8080, path: "/health/ready", statuses: 200...399),
            "http://web:8080/health/ready"
        ),
        (
            "http status range", "http://web/x?status=200-299",
            .http(host: "web", port: 80, path: "/x", statuses: 200...299), "http://web/x"
        ),
        (
            "http single status", "http://[::1]:81/?status=204",
            .http(host: "::1", port: 81, path: "/", statuses: 204...204), "http://[::1]:81/"
        ),
        (
            "http keeps its own query", "http://web/health?full=1&status=204&verbose",
            .http(host: "web", port: 80, path: "/health?full=1&verbose", statuses: 204...204),
            "http://web/health?full=1&verbose"
        ),
        (
            "unix socket", "unix:///run/app.sock", .unixSocket(path: "/run/app.sock"),
            "unix:///run/app.sock"
        ),
        ("file", "file:///tmp/ready", .file(path: "/tmp/ready"), "file:///tmp/ready"),
        (
            "postgres defaults", "postgres://db",
            .postgres(host: "db", port: 5432, user: "postgres", database: "postgres"),
            "postgres://db:5432"
        ),
        (
            "postgres DATABASE_URL", "postgresql://app:s3cret@db:6432/board",
            .postgres(host: "db", port: 6432, user: "app", database: "board"), "postgres://db:6432"
        ),
        ("mysql defaults", "mysql://db", .mysql(host: "db", port: 3306), "mysql://db:3306"),
        (
            "mysql DATABASE_URL", "mysql://app:pw@db:3307/board", .mysql(host: "db", port: 3307),
            "mysql://db:3307"
        ),
        ("scheme in capitals", "TCP://db:1", .tcp(host: "db", port: 1), "db:1"),
    ])
    func parses(_ behaviour: String, _ text: String, _ check: Target.Check, _ name: String) throws {
        let target = try Target(parsing: text)
        #expect(target.check == check, "\(behaviour)")
        #expect(target.description == name, "\(behaviour)")
        #expect(target.timeout == nil, "\(behaviour)")
    }

    @Test(arguments: [
        ("tcp", "db:5432?timeout=5s", 5_000_000_000 as UInt64),
        ("http with status", "http://web/?status=200&timeout=500ms", 500_000_000),
        ("unix", "unix:///run/a.sock?timeout=2m", 120_000_000_000),
        ("zero", "file:///x?timeout=0", 0),
    ])
    func takesItsOwnTimeout(_ behaviour: String, _ text: String, _ nanoseconds: UInt64) throws {
        #expect(try Target(parsing: text).timeout == nanoseconds, "\(behaviour)")
    }

    @Test(arguments: [
        ("empty", "", "invalid target '': the target is empty"),
        ("no port", "db", "invalid target 'db': missing port (write host:port)"),
        (
            "port too high", "db:99999",
            "invalid target 'db:99999': port 99999 is out of range (1-65535)"
        ),
        ("port zero", "db:0", "invalid target 'db:0': port 0 is out of range (1-65535)"),
        ("port not a number", "db:pg", "invalid target 'db:pg': port 'pg' is not a number"),
        ("empty port", "db:", "invalid target 'db:': port '' is not a number"),
        ("empty host", ":5432", "invalid target ':5432': the host is empty"),
        (
            "IPv6 without brackets", "::1:5432",
            "invalid target '::1:5432': an IPv6 address needs brackets, as in [::1]:5432"
        ),
        ("bad IPv6", "[::g]:1", "invalid target '[::g]:1': '::g' is not an IPv6 address"),
        (
            "unclosed bracket", "[::1:1",
            "invalid target '[::1:1': missing ']' after the IPv6 address"
        ),
        ("bad host character", "d b:1", "invalid target 'd b:1': 'd b' is not a valid host name"),
        (
            "unknown scheme", "ftp://files:21",
            "invalid target 'ftp://files:21': unknown scheme 'ftp' (known: tcp, http, unix, file, postgres, mysql, redis, amqp)"
        ),
        (
            "https", "https://web/",
            "invalid target 'https://web/': HTTPS is not supported: use http:// or tcp://host:443"
        ),
        (
            "http with credentials", "http://admin:s3cret@web/",
            "invalid target 'http://admin:***@web/': an http:// target takes no user or password "
                + "(no Authorization header is sent): probe an endpoint that answers without one"
        ),
        (
            "tcp with a path", "tcp://db:5432/x",
            "invalid target 'tcp://db:5432/x': a TCP target is host:port, without a path"
        ),
        (
            "relative unix path", "unix://run/a.sock",
            "invalid target 'unix://run/a.sock': the path must be absolute: unix:///run/a.sock"
        ),
        (
            "empty file path", "file://",
            "invalid target 'file://': the path must be absolute: file:///path"
        ),
        (
            "unknown parameter", "db:1?retries=3",
            "invalid target 'db:1?retries=3': unknown parameter 'retries' (known here: timeout, stable)"
        ),
        (
            "status outside http", "db:1?status=200",
            "invalid target 'db:1?status=200': unknown parameter 'status' (known here: timeout, stable)"
        ),
        (
            "bad timeout", "db:1?timeout=soon",
            "invalid target 'db:1?timeout=soon': timeout: 'soon' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
        ),
        (
            "bad status", "http://w/?status=2xx",
            "invalid target 'http://w/?status=2xx': status '2xx' is not a status or a range such as 200-399"
        ),
        (
            "reversed status range", "http://w/?status=399-200",
            "invalid target 'http://w/?status=399-200': status '399-200' is not a status or a range such as 200-399"
        ),
        (
            "password hidden", "postgres://app:s3cret@db:99999/x",
            "invalid target 'postgres://app:***@db:99999/x': port 99999 is out of range (1-65535)"
        ),
        (
            "long unix path", "unix:///" + String(repeating: "a", count: 107),
            "invalid target 'unix:///" + String(repeating: "a", count: 107)
                + "': a Unix socket path is at most 107 bytes long"
        ),
    ])
    func rejects(_ behaviour: String, _ text: String, _ message: String) {
        #expect(throws: InvalidTarget.self, "\(behaviour)") { try Target(parsing: text) }
        do {
            _ = try Target(parsing: text)
        } catch {
            #expect(error.description == message, "\(behaviour)")
        }
    }

    @Test func listSplitsOnCommasAndWhitespace() throws {
        let targets = try Target.list(parsing: " db:5432,cache:6379\n http://web/ ,, ")
        #expect(targets.map(\.description) == ["db:5432", "cache:6379", "http://web/"])
    }

    @Test func listNamesTheBadTarget() {
        #expect(throws: InvalidTarget(input: "cache", reason: "missing port (write host:port)")) {
            try Target.list(parsing: "db:5432, cache")
        }
    }
}
