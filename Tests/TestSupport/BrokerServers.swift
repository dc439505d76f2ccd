// Throwaway Redis and RabbitMQ servers for the probe tests, in the style of Servers.swift: a fresh
// temporary directory, a free loopback port, started and stopped by PID, the directory removed
// afterwards. Output goes to a log file through `sh -c 'exec "$@" >>log 2>&1'` (the PID is the
// server's own, and no pipe can fill).

#if canImport(Glibc)
import Glibc
#endif

extension ServerPrograms {
    /// Debian's `redis-server`.
    public static let redisServer = "/usr/bin/redis-server"
    /// Debian's `rabbitmq-server` wrapper (runs `erl` in place).
    public static let rabbitmqServer = "/usr/lib/rabbitmq/bin/rabbitmq-server"
    /// Erlang's port mapper, which a RabbitMQ node registers with.
    public static let epmd = "/usr/bin/epmd"

    /// Whether Redis is installed.
    public static var haveRedis: Bool { access(redisServer, X_OK) == 0 }
    /// Whether RabbitMQ is installed.
    public static var haveRabbitMQ: Bool {
        access(rabbitmqServer, X_OK) == 0 && access(epmd, X_OK) == 0
    }
}

/// A process whose output goes to `log`, with its own environment.
final class LoggedProcess: @unchecked Sendable {
    let child: ChildProcess

    init(_ arguments: [String], log: String, environment: [String: String]) throws {
        child = try ChildProcess(
            "/bin/sh", ["-c", "exec \"$@\" >>'\(log)' 2>&1", "sh"] + arguments,
            environment: environment)
    }

    var isRunning: Bool { child.poll() == nil }

    /// `signal`, then waits up to `seconds` for the exit, then SIGKILL.
    func stop(_ signal: Int32, seconds: Double) {
        guard child.poll() == nil else { return }
        child.signal(signal)
        _ = child.finish(timeout: seconds)
    }
}

// MARK: - Redis

/// A throwaway `redis-server` on 127.0.0.1, persistence off unless the test saves explicitly.
public final class RedisServer: @unchecked Sendable {
    /// The temporary directory: `dump.rdb`, `server.log`.
    public let directory: String
    /// The TCP port.
    public let port: UInt16
    /// `requirepass`, if any.
    public let password: String?
    private var process: LoggedProcess?

    /// The server's log.
    public var logPath: String { directory + "/server.log" }
    /// `127.0.0.1:port`.
    public var address: String { "127.0.0.1:\(port)" }

    /// Picks a free port and a directory; the server is not started.
    public init(password: String? = nil) throws {
        directory = Paths.temporaryDirectory("redis")
        port = try freePort()
        self.password = password
    }

    /// Starts the server (it loads `dump.rdb` when the directory has one); returns at once.
    public func start() throws {
        var arguments = [
            ServerPrograms.redisServer, "--port", "\(port)", "--bind", "127.0.0.1",
            "--dir", directory, "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no",
            "--enable-debug-command", "local", "--daemonize", "no",
        ]
        if let password { arguments += ["--requirepass", password] }
        process = try LoggedProcess(
            arguments, log: logPath, environment: ["PATH": "/usr/bin:/bin"])
    }

    /// Runs `redis-cli` with `arguments` against the server; its output.
    @discardableResult
    public func cli(_ arguments: [String], timeout: Double = 60) throws -> String {
        var environment = ["PATH": "/usr/bin:/bin"]
        if let password { environment["REDISCLI_AUTH"] = password }
        let result = try run(
            "/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", "\(port)"] + arguments,
            environment: environment, timeout: timeout)
        guard result.status == .exited(0) else {
            throw SpawnError(message: "redis-cli \(arguments): \(result.err)")
        }
        return result.out
    }

    /// Waits until `PING` answers `PONG`.
    public func waitUntilReady(seconds: Double = 60) throws {
        guard waitUntil(seconds: seconds, { (try? cli(["PING"])) == "PONG\n" }) else {
            throw SpawnError(message: "Redis did not start:\n\(readText(logPath) ?? "")")
        }
    }

    /// Stops the server (SIGTERM — no save, as `--save ''` — then SIGKILL after 30 s).
    public func stop() {
        process?.stop(SIGTERM, seconds: 30)
        process = nil
    }

    /// Stops the server and removes its directory.
    public func remove() {
        stop()
        Paths.removeTree(directory)
    }
}

// MARK: - RabbitMQ

/// A throwaway RabbitMQ node on 127.0.0.1: its own `epmd` on a free port (started here as a child,
/// so no daemon outlives the test), its own node name, Mnesia and log directories, no plugins.
public final class RabbitMQServer: @unchecked Sendable {
    /// The temporary directory.
    public let directory: String
    /// The AMQP port.
    public let port: UInt16
    private let epmdPort: UInt16
    private let distributionPort: UInt16
    private var epmd: LoggedProcess?
    private var process: LoggedProcess?

    /// The node's console output.
    public var logPath: String { directory + "/server.log" }
    /// `127.0.0.1:port`.
    public var address: String { "127.0.0.1:\(port)" }

    /// Picks free ports and a directory; nothing is started.
    public init() throws {
        directory = Paths.temporaryDirectory("rabbitmq")
        port = try freePort()
        epmdPort = try freePort()
        distributionPort = try freePort()
        for sub in ["mnesia", "log"] { _ = try run("/bin/mkdir", ["-p", "\(directory)/\(sub)"]) }
        writeFile(directory + "/enabled_plugins", "[].\n")
    }

    /// Starts `epmd` and the node; returns at once (the node takes seconds to open its port).
    public func start() throws {
        let environment = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": directory, "LANG": "C.UTF-8",
            "ERL_EPMD_PORT": "\(epmdPort)", "RABBITMQ_NODE_PORT": "\(port)",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_DIST_PORT": "\(distributionPort)",
            "RABBITMQ_NODENAME": "waitfor\(port)@localhost",
            "RABBITMQ_MNESIA_BASE": directory + "/mnesia", "RABBITMQ_LOG_BASE": directory + "/log",
            "RABBITMQ_CONFIG_FILE": directory + "/rabbitmq",
            "RABBITMQ_ENABLED_PLUGINS_FILE": directory + "/enabled_plugins",
            "RABBITMQ_PID_FILE": directory + "/rabbitmq.pid",
        ]
        epmd = try LoggedProcess(
            [ServerPrograms.epmd, "-port", "\(epmdPort)", "-address", "127.0.0.1"],
            log: directory + "/epmd.log", environment: environment)
        process = try LoggedProcess(
            [ServerPrograms.rabbitmqServer], log: logPath, environment: environment)
    }

    /// Stops the node (SIGTERM, SIGKILL after 30 s), then `epmd`.
    public func stop() {
        process?.stop(SIGTERM, seconds: 30)
        process = nil
        epmd?.stop(SIGTERM, seconds: 5)
        epmd = nil
    }

    /// Stops everything and removes the directory.
    public func remove() {
        stop()
        Paths.removeTree(directory)
    }
}
