import TestSupport
import Testing
import WaitFor

#if canImport(Glibc)
import Glibc
#endif

/// The probes against real MariaDB and PostgreSQL servers that the tests start themselves. Servers
/// change state when the wait reports something (the log closure), never after a sleep.
@Suite(.serialized) struct WaitForServerTests {
    /// Collects events and runs `react` on each one.
    final class Recorder {
        var events: [WaitEvent] = []
        var react: (WaitEvent) -> Void = { _ in }

        func record(_ event: WaitEvent) {
            events.append(event)
            react(event)
        }

        func messages(_ kind: WaitEvent.Kind) -> [String] {
            events.filter { $0.kind == kind }.map(\.message)
        }
    }

    static func options(timeout: Double = 60) -> WaitOptions {
        WaitOptions(timeout: UInt64(timeout * 1e9))
    }

    // MARK: - A database that starts late

    /// A database the test starts when the wait first reports it not ready.
    enum LateStart: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case postgresOnIPv4AndIPv6 = "PostgreSQL that starts late, on IPv4 and IPv6"
        case mariaDBWithItsUnixSocket = "MariaDB that starts late, with its Unix socket"

        var testDescription: String { rawValue }
        var isInstalled: Bool {
            switch self {
            case .postgresOnIPv4AndIPv6: return ServerPrograms.havePostgres
            case .mariaDBWithItsUnixSocket: return ServerPrograms.haveMariaDB
            }
        }
    }

    @Test(arguments: LateStart.allCases.filter(\.isInstalled))
    func aDatabaseThatStartsLateIsAwaited(_ row: LateStart) throws {
        switch row {
        case .postgresOnIPv4AndIPv6:
            let server = try PostgresServer(listenAddresses: "127.0.0.1,::1")
            defer { server.remove() }
            let recorder = awaitStartingLate(
                [
                    try Target(parsing: "postgres://127.0.0.1:\(server.port)"),
                    try Target(parsing: "postgres://app@[::1]:\(server.port)/board"),
                ], start: server.start)
            #expect(recorder.messages(.ready).count == 2)
            let refused = "connect(127.0.0.1:\(server.port)): Connection refused (errno 111)"
            #expect(
                recorder.messages(.notReady).first
                    == "postgres://127.0.0.1:\(server.port) not ready: \(refused)")
        case .mariaDBWithItsUnixSocket:
            let server = try MariaDBServer()
            defer { server.remove() }
            let recorder = awaitStartingLate(
                [
                    try Target(parsing: server.url),
                    try Target(parsing: "unix://" + server.socketPath),
                ],
                start: server.start)
            let ready = recorder.events.first { $0.kind == .ready && $0.target == server.url }
            #expect(ready?.reason?.hasPrefix("server version 10.") == true)
            #expect(ready?.reason?.contains("MariaDB") == true)
        }
    }

    /// Waits for `targets`, calling `start` when the wait first reports one not ready; expects the
    /// wait to end ready and returns what it logged.
    func awaitStartingLate(_ targets: [Target], start: @escaping () throws -> Void) -> Recorder {
        let recorder = Recorder()
        var started = false
        recorder.react = { event in
            if event.kind == .notReady && !started {
                started = true
                try? start()
            }
        }
        let outcome = waitUntilReady(targets, options: Self.options(), log: recorder.record)
        #expect(outcome == .ready, "\(recorder.events.map(\.message))")
        return recorder
    }

    // MARK: - PostgreSQL

    @Test(.enabled(if: ServerPrograms.havePostgres))
    func postgresStandbyAnswering57P03KeepsTheWaitUntilPromoted() throws {
        let server = try PostgresServer(standby: true)
        defer { server.remove() }
        try server.start()
        let target = try Target(parsing: "postgres://127.0.0.1:\(server.port)")
        let recorder = Recorder()
        var promoted = false
        recorder.react = { event in
            if event.reason?.contains("57P03") == true && !promoted {
                promoted = true
                #expect(throws: Never.self) { try server.promote() }
            }
        }
        let outcome = waitUntilReady([target], options: Self.options(), log: recorder.record)
        #expect(outcome == .ready, "\(recorder.events.map(\.message))")
        #expect(promoted)
        #expect(
            recorder.messages(.notReady).contains(
                "postgres://127.0.0.1:\(server.port) not ready: 127.0.0.1:\(server.port): PostgreSQL is "
                    + "not accepting connections yet: the database system is not accepting connections: "
                    + "Hot standby mode is disabled. (SQLSTATE 57P03 cannot_connect_now)"))
    }

    @Test(.enabled(if: ServerPrograms.havePostgres))
    func postgresThatNeverStartsTimesOutOnTime() throws {
        let reserved = try TestListener()
        let started = now()
        let result = try run(
            Paths.binary("wait-for"),
            ["-t", "1s", "postgres://\(reserved.address)", "--", "echo", "must not run"],
            environment: ["PATH": "/usr/bin:/bin"])
        let elapsed = now() - started
        #expect(result.status == .exited(124))
        #expect(result.out == "")
        #expect(elapsed < 1.2, "took \(elapsed)s")
        #expect(
            result.err.contains(
                "wait-for: error: postgres://\(reserved.address) still not ready after 1.0"))
    }

    // MARK: - MariaDB

    @Test(.enabled(if: ServerPrograms.haveMariaDB))
    func mariaDBPastMaxConnectionsKeepsWaiting() throws {
        let server = try MariaDBServer(options: ["--max-connections=10", "--connect-timeout=60"])
        defer { server.remove() }
        try server.start()
        try server.waitUntilReady()
        // Fill every slot with clients that took the greeting and never log in, until the server
        // refuses with 1040 (10 is MariaDB's least max_connections, and it keeps one more slot for
        // SUPER).
        var holders: [Int32] = []
        defer { for fd in holders { close(fd) } }
        var refused = false
        for _ in 0..<20 where !refused {
            let fd = try connectAndRead(host: "127.0.0.1", port: server.port)
            refused = fd.greeting.count > 4 && fd.greeting[4] == 0xff
            if refused { close(fd.descriptor) } else { holders.append(fd.descriptor) }
        }
        #expect(refused)
        let target = try Target(parsing: server.url)
        let recorder = Recorder()
        recorder.react = { event in
            if event.kind == .notReady {
                for fd in holders { close(fd) }
                holders = []
            }
        }
        let outcome = waitUntilReady([target], options: Self.options(), log: recorder.record)
        #expect(outcome == .ready)
        #expect(
            recorder.messages(.notReady) == [
                "\(server.url) not ready: 127.0.0.1:\(server.port): MySQL error 1040: Too many connections"
            ])
    }

    @Test(.enabled(if: ServerPrograms.haveMariaDB))
    func mariaDBBlockingTheHostExits69AndTheProbeNeverCausesIt() throws {
        // MariaDB ignores loopback clients in its host cache, so client and server share a network
        // namespace with a non-loopback address; max_connect_errors=2 makes the block quick.
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let server = try MariaDBServer(options: ["--max-connect-errors=2"], namespace: namespace)
        defer { server.remove() }
        try server.start()
        try server.waitUntilReady()
        try server.sql("CREATE USER 'app'@'%' IDENTIFIED BY 'pw'")
        let waitFor = Paths.binary("wait-for")
        let environment = ["PATH": "/usr/bin:/bin"]

        // wait-for answers the greeting with a login, so probing never counts as a handshake error.
        for _ in 0..<5 {
            let probe = try runCommand(
                namespace.command([waitFor, "--once", server.url]), environment: environment)
            #expect(probe.status == .exited(0), "\(probe.err)")
        }

        // The seed's `nc -z`-style probe: connect, read a little, hang up without a handshake.
        let naive = try runCommand(
            namespace.command([
                "/bin/bash", "-c",
                "for i in 1 2 3; do exec 3<>/dev/tcp/\(server.host)/\(server.port); head -c 4 <&3 >/dev/null; exec 3<&-; done",
            ]), environment: environment)
        #expect(naive.status == .exited(0), "\(naive.err)")

        let blocked = try runCommand(
            namespace.command([waitFor, "-t", "10s", server.url, "--", "echo", "must not run"]),
            environment: environment)
        #expect(blocked.status == .exited(69))
        #expect(blocked.out == "")
        #expect(
            blocked.err.contains(
                "wait-for: error: \(server.url) is unavailable: \(server.host):\(server.port): MySQL "
                    + "error 1129: Host '\(server.host)' is blocked because of many connection errors; "
            ))
        #expect(blocked.err.contains("on the server run FLUSH HOSTS"))

        try server.sql("FLUSH HOSTS")
        let afterFlush = try runCommand(
            namespace.command([waitFor, "-q", server.url]), environment: environment)
        #expect(afterFlush.status == .exited(0))
    }
}

/// Connects to `host:port`, reads what the server sends first (up to 1 s), and returns the open
/// socket with those bytes.
private func connectAndRead(host: String, port: UInt16) throws -> (
    descriptor: Int32, greeting: [UInt8]
) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    inet_pton(AF_INET, host, &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        close(fd)
        throw ServerTestError(description: "connect(\(host):\(port)) failed")
    }
    var pending = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
    var greeting = [UInt8](repeating: 0, count: 512)
    guard poll(&pending, 1, 1000) > 0 else { return (fd, []) }
    let n = greeting.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    return (fd, Array(greeting.prefix(max(n, 0))))
}

/// Runs `command[0]` with the rest as arguments.
private func runCommand(_ command: [String], environment: [String: String]) throws -> ProcessResult
{
    try run(command[0], Array(command.dropFirst()), environment: environment)
}

/// A failure of the test's own plumbing.
private struct ServerTestError: Error, CustomStringConvertible {
    var description: String
}
