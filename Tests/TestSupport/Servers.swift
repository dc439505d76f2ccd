// Throwaway database servers for tests: a fresh MariaDB or PostgreSQL in a temporary directory, on a
// free loopback port, started and stopped by PID, the directory removed afterwards. Tests run as root;
// the data directories belong to the right user (mariadbd runs with --user=root, PostgreSQL as
// `postgres` through setpriv, which execs in place so that the recorded PID is the server's own).
//
// Typical use:
//
//     let db = try MariaDBServer()          // installs the data directory, picks a port
//     defer { db.remove() }                 // stops the server if running, deletes the directory
//     try db.start()                        // returns at once: the server is starting
//     try db.waitUntilReady()               // or let the code under test wait for it
//     _ = try db.sql("SELECT 1")            // as root, over the Unix socket
//
// A server inside a network namespace (`NetworkNamespace`) listens on the namespace's own address,
// which is not a loopback address: MariaDB applies its host cache (and max_connect_errors) there.

#if canImport(Glibc)
import Glibc
#endif

/// Where the server programs are, and whether the machine can run them.
public enum ServerPrograms {
    /// `mariadbd`.
    public static let mariadbd = "/usr/sbin/mariadbd"
    /// `mariadb-install-db`.
    public static let mariadbInstallDB = "/usr/bin/mariadb-install-db"
    /// The PostgreSQL binaries (Debian's layout).
    public static let postgresBin = "/usr/lib/postgresql/15/bin"

    /// Whether MariaDB is installed and the tests run as root (`make test` installs it).
    public static var haveMariaDB: Bool { getuid() == 0 && access(mariadbd, X_OK) == 0 }
    /// Whether PostgreSQL is installed and the tests run as root.
    public static var havePostgres: Bool {
        getuid() == 0 && access(postgresBin + "/postgres", X_OK) == 0 && getpwnam("postgres") != nil
    }
}

/// A free TCP port on 127.0.0.1 (bound to port 0 and released; good enough for tests whose servers
/// start right after).
public func freePort() throws -> UInt16 {
    try TestListener().port
}

/// A server process started through `/bin/sh -c 'exec "$@" >>log 2>&1'`: the shell execs the server,
/// so the PID is the server's and its output goes to a log file, never into a pipe that could fill.
final class ServerProcess: @unchecked Sendable {
    let child: ChildProcess

    init(_ arguments: [String], log: String) throws {
        child = try ChildProcess(
            "/bin/sh", ["-c", "exec \"$@\" >>'\(log)' 2>&1", "sh"] + arguments,
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"])
    }

    var isRunning: Bool { child.poll() == nil }

    /// `signal`, then waits up to `seconds` for the exit, then SIGKILL.
    func stop(_ signal: Int32, seconds: Double) {
        guard child.poll() == nil else { return }
        child.signal(signal)
        _ = child.finish(timeout: seconds)
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; whether it held.
public func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = now() + seconds
    while now() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

// MARK: - MariaDB

/// A throwaway MariaDB server.
public final class MariaDBServer: @unchecked Sendable {
    /// The temporary directory: `data/`, `mysqld.sock`, `mysqld.pid`, `server.log`.
    public let directory: String
    /// The TCP port.
    public let port: UInt16
    /// The address it listens on (127.0.0.1, or the namespace's address).
    public let host: String
    /// The namespace it runs in, if any.
    public let namespace: NetworkNamespace?
    /// Extra `mariadbd` options, e.g. `--max-connections=1`.
    public let options: [String]
    private var process: ServerProcess?

    /// The Unix socket.
    public var socketPath: String { directory + "/mysqld.sock" }
    /// The server's log (mariadbd's error log).
    public var logPath: String { directory + "/server.log" }
    /// `mysql://host:port`.
    public var url: String { "mysql://\(host):\(port)" }

    /// Creates a data directory with `mariadb-install-db` (root@localhost authenticates by Unix
    /// socket) and picks a free port. The server is not started.
    public init(options: [String] = [], namespace: NetworkNamespace? = nil) throws {
        let directory = Paths.temporaryDirectory("mariadb")
        self.directory = directory
        self.options = options
        self.namespace = namespace
        host = namespace?.address ?? "127.0.0.1"
        port = try namespace == nil ? freePort() : 3306
        let result = try run(
            ServerPrograms.mariadbInstallDB,
            [
                "--no-defaults", "--user=root", "--datadir=\(directory)/data", "--skip-test-db",
                "--auth-root-authentication-method=socket",
            ], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        guard result.status == .exited(0) else {
            Paths.removeTree(directory)
            throw SpawnError(message: "mariadb-install-db: \(result.status)\n\(result.err)")
        }
    }

    /// Starts `mariadbd`; returns at once (the server needs a moment to accept connections).
    public func start() throws {
        let server = [
            ServerPrograms.mariadbd, "--no-defaults", "--user=root", "--datadir=\(directory)/data",
            "--socket=\(socketPath)", "--pid-file=\(directory)/mysqld.pid", "--port=\(port)",
            "--bind-address=\(host)", "--log-error=\(logPath)", "--skip-log-bin",
            "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M",
        ]
        let prefix = namespace.map { ["/usr/sbin/ip", "netns", "exec", $0.name] } ?? []
        process = try ServerProcess(prefix + server + options, log: logPath)
    }

    /// Waits until the server answers on its Unix socket.
    public func waitUntilReady(seconds: Double = 60) throws {
        let ready = waitUntil(seconds: seconds) {
            guard process?.isRunning == true else { return false }
            return (try? sql("SELECT 1")) == "1\n"
        }
        guard ready else {
            throw SpawnError(message: "MariaDB did not start:\n\(readText(logPath) ?? "")")
        }
    }

    /// Runs `statements` as root over the Unix socket; returns the output (batch mode, no headers).
    @discardableResult
    public func sql(_ statements: String) throws -> String {
        let result = try run(
            "/usr/bin/mariadb",
            ["--no-defaults", "-S", socketPath, "-u", "root", "-N", "-B", "-e", statements],
            environment: ["PATH": "/usr/bin:/bin"], timeout: 30)
        guard result.status == .exited(0) else {
            throw SpawnError(message: "mariadb -e '\(statements)': \(result.err)")
        }
        return result.out
    }

    /// Stops the server (SIGTERM, then SIGKILL after 30 s).
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

// MARK: - PostgreSQL

/// A throwaway PostgreSQL 15 server, run as the `postgres` user.
public final class PostgresServer: @unchecked Sendable {
    /// The temporary directory (owned by `postgres`): `data/`, the socket, `server.log`.
    public let directory: String
    /// The TCP port.
    public let port: UInt16
    /// `listen_addresses`.
    public let listenAddresses: String
    private var process: ServerProcess?

    /// The data directory.
    public var dataDirectory: String { directory + "/data" }
    /// The server's log.
    public var logPath: String { directory + "/server.log" }

    /// Runs `initdb` (trust authentication, user `postgres`) in a new temporary directory and picks
    /// a free port. With `standby`, the cluster starts as a standby with `hot_standby = off`: it
    /// answers every connection with SQLSTATE 57P03 until `promote()`.
    public init(listenAddresses: String = "127.0.0.1", standby: Bool = false) throws {
        let directory = Paths.temporaryDirectory("postgres")
        let dataDirectory = directory + "/data"
        self.directory = directory
        self.listenAddresses = listenAddresses
        self.standby = standby
        port = try freePort()
        guard let user = getpwnam("postgres") else {
            throw SpawnError(message: "no postgres user")
        }
        chown(directory, user.pointee.pw_uid, user.pointee.pw_gid)
        let result = try run(
            "/usr/bin/setpriv",
            Self.asPostgres + [
                ServerPrograms.postgresBin + "/initdb", "-D", dataDirectory, "-U", "postgres", "-A",
                "trust", "-E", "UTF8", "--no-sync",
            ], environment: ["PATH": "/usr/bin:/bin", "LANG": "C"], timeout: 120)
        guard result.status == .exited(0) else {
            Paths.removeTree(directory)
            throw SpawnError(message: "initdb: \(result.status)\n\(result.err)")
        }
        if standby {
            writeFile(dataDirectory + "/standby.signal", "")
            chown(dataDirectory + "/standby.signal", user.pointee.pw_uid, user.pointee.pw_gid)
        }
    }

    private let standby: Bool

    /// `setpriv` options that become `postgres` and exec the rest.
    static let asPostgres = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"]

    /// Starts `postgres`; returns at once.
    public func start() throws {
        var settings = [
            "listen_addresses=\(listenAddresses)", "unix_socket_directories=\(directory)",
            "fsync=off", "shared_buffers=16MB", "max_connections=20", "logging_collector=off",
        ]
        if standby { settings.append("hot_standby=off") }
        process = try ServerProcess(
            ["/usr/bin/setpriv"] + Self.asPostgres
                + [ServerPrograms.postgresBin + "/postgres", "-D", dataDirectory, "-p", "\(port)"]
                + settings.flatMap { ["-c", $0] }, log: logPath)
    }

    /// Waits until `pg_isready` says the server accepts connections.
    public func waitUntilReady(seconds: Double = 60) throws {
        let ready = waitUntil(seconds: seconds) {
            let result = try? run(
                ServerPrograms.postgresBin + "/pg_isready",
                ["-q", "-h", directory, "-p", "\(port)"],
                environment: ["PATH": "/usr/bin:/bin"])
            return result?.status == .exited(0)
        }
        guard ready else {
            throw SpawnError(message: "PostgreSQL did not start:\n\(readText(logPath) ?? "")")
        }
    }

    /// Promotes a standby (`pg_ctl promote`, which waits until it is done).
    public func promote() throws {
        let result = try run(
            "/usr/bin/setpriv",
            Self.asPostgres + [
                ServerPrograms.postgresBin + "/pg_ctl", "promote", "-D", dataDirectory,
            ],
            environment: ["PATH": "/usr/bin:/bin", "LANG": "C"], timeout: 60)
        guard result.status == .exited(0) else {
            throw SpawnError(message: "pg_ctl promote: \(result.out)\(result.err)")
        }
    }

    /// Stops the server (SIGINT: fast shutdown; SIGKILL after 30 s).
    public func stop() {
        process?.stop(SIGINT, seconds: 30)
        process = nil
    }

    /// Stops the server and removes its directory.
    public func remove() {
        stop()
        Paths.removeTree(directory)
    }
}

// MARK: - Network namespaces

/// A network namespace (`ip netns add`) whose loopback device also carries `address`, an address
/// that servers do not treat as loopback. `/etc/netns/NAME/hosts` names it `wfclient`, so that a
/// server's reverse lookup of its clients succeeds (MariaDB counts connection errors only for
/// hosts whose name it could validate). Commands run inside through `ip netns exec NAME`.
public final class NetworkNamespace: @unchecked Sendable {
    /// The namespace's name.
    public let name: String
    /// The extra address on its `lo`.
    public let address: String
    nonisolated(unsafe) private static var counter = 0

    /// Creates the namespace with `lo` up and `address` on it.
    public init(address: String = "10.77.0.1") throws {
        Self.counter += 1
        name = "wftest\(getpid())x\(Self.counter)"
        self.address = address
        let directory = "/etc/netns/\(name)"
        _ = try run("/bin/mkdir", ["-p", directory])
        writeFile(directory + "/hosts", "127.0.0.1 localhost\n\(address) wfclient\n")
        for command in [
            ["netns", "add", name], ["-n", name, "link", "set", "lo", "up"],
            ["-n", name, "addr", "add", "\(address)/32", "dev", "lo"],
        ] {
            let result = try run("/usr/sbin/ip", command)
            guard result.status == .exited(0) else {
                remove()
                throw SpawnError(message: "ip \(command.joined(separator: " ")): \(result.err)")
            }
        }
    }

    /// `arguments` prefixed to run inside the namespace.
    public func command(_ arguments: [String]) -> [String] {
        ["/usr/sbin/ip", "netns", "exec", name] + arguments
    }

    /// Deletes the namespace and its `/etc/netns` directory.
    public func remove() {
        _ = try? run("/usr/sbin/ip", ["netns", "delete", name])
        _ = try? run("/bin/rm", ["-rf", "/etc/netns/\(name)"])
    }
}
