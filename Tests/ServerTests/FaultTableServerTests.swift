import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The fault table rows that need root, real database servers or the release binaries of `dist/`
/// (`make test` runs them with `TOOLKIT_DIST`): a database that starts late, a DNS name that
/// appears in the middle of a wait, and the 1 GiB single line streamed in constant memory.
@Suite(.serialized) struct FaultTableServerTests {
    /// `$TOOLKIT_DIST`, else the package's `dist/`.
    static let dist: String =
        getenv("TOOLKIT_DIST").map { String(cString: $0) } ?? Paths.packageRoot + "/dist"
    static var haveDist: Bool { access(dist + "/entrypoint", X_OK) == 0 }

    @Test(.enabled(if: ServerPrograms.havePostgres && haveDist))
    func aPostgresThatStartsLateIsAwaitedThenTheServerRuns() throws {
        let server = try PostgresServer()
        defer { server.remove() }
        let target = "postgres://app:pw@127.0.0.1:\(server.port)/board"
        let child = try ChildProcess(
            Self.dist + "/entrypoint", ["--wait", target, "--", "echo", "server"],
            environment: ["PATH": "/usr/bin:/bin"])
        #expect(child.waitForOutput(seconds: 10) { _, err in err.contains(" not ready: ") })
        #expect(child.stdoutSoFar == "")
        try server.start()
        let result = child.finish(timeout: 60)
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(result.out == "server\n")
        let lines = result.err.split(separator: "\n").map(String.init)
        let name = "postgres://127.0.0.1:\(server.port)"
        #expect(lines.first == "entrypoint: info: waiting for \(name) (timeout 60s)")
        #expect(
            lines.dropFirst().first
                == "entrypoint: info: \(name) not ready: connect(127.0.0.1:\(server.port)): "
                + "Connection refused (errno 111)")
        #expect(lines.contains { $0.hasPrefix("entrypoint: info: \(name) ready after ") })
        #expect(!result.err.contains(":pw@"))
    }

    @Test(.enabled(if: ServerPrograms.haveMariaDB && haveDist))
    func aMariaDBThatStartsLateIsAwaitedThenTheServerRuns() throws {
        let server = try MariaDBServer()
        defer { server.remove() }
        let child = try ChildProcess(
            Self.dist + "/wait-for", [server.url, "--", "echo", "server"],
            environment: ["PATH": "/usr/bin:/bin"])
        #expect(child.waitForOutput(seconds: 10) { _, err in err.contains(" not ready: ") })
        try server.start()
        let result = child.finish(timeout: 90)
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(result.out == "server\n")
        #expect(result.err.contains("wait-for: info: \(server.url) ready after "))
        #expect(result.err.contains("server version 10."))
    }

    /// A container starts before its DNS name exists: the name is added to the bare root's private
    /// `/etc/hosts` once the wait has reported it unresolvable, and the wait then succeeds.
    @Test(.enabled(if: getuid() == 0 && haveDist))
    func aDNSNameAppearingMidWaitIsResolvedOnTheNextAttempt() throws {
        let listener = try TestListener()
        listener.listen()
        let root = Paths.temporaryDirectory("dns-late")
        defer { Paths.removeTree(root) }
        for directory in ["/etc", "/proc"] { mkdir(root + directory, 0o755) }
        _ = try run("/bin/cp", [Self.dist + "/wait-for", root + "/wait-for"])
        writeFile(root + "/etc/hosts", "127.0.0.1 localhost\n")
        let child = try ChildProcess(
            "/usr/bin/unshare",
            [
                "--mount", "--fork", "/bin/sh", "-c",
                "mount -t proc proc \"$1/proc\" && exec /usr/sbin/chroot \"$1\" /wait-for -t 30s "
                    + "late.internal:\(listener.port) -- /wait-for --once localhost:\(listener.port)",
                "sh", root,
            ], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        let unresolved = "late.internal:\(listener.port) not ready: resolve(late.internal): "
        #expect(child.waitForOutput(seconds: 10) { _, err in err.contains(unresolved) })
        let appended = open(root + "/etc/hosts", O_WRONLY | O_APPEND)
        _ = "127.0.0.1 late.internal\n".withCString { write(appended, $0, strlen($0)) }
        close(appended)
        let result = child.finish(timeout: 30)
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(result.err.contains("wait-for: info: late.internal:\(listener.port) ready after "))
    }

    /// The full 1 GiB single line, through the release binaries: the peak RSS is the same as for
    /// 1 MiB.
    @Test(.enabled(if: haveDist && access("/usr/bin/time", X_OK) == 0))
    func aOneGiBSingleLineStreamsInConstantMemory() throws {
        for (binary, argv0, arguments) in [
            (Self.dist + "/templater", "templater", ["render"]),
            (Self.dist + "/entrypoint", "envsubst", []),
        ] {
            let small = try streamEndlessLine(
                bytes: 1 << 20, through: binary, argv0: argv0, arguments)
            let large = try streamEndlessLine(
                bytes: 1 << 30, through: binary, argv0: argv0, arguments)
            print("\(argv0): 1 MiB: \(small); 1 GiB: \(large)")
            #expect(large.outputBytes == (1 << 20) * 1022, "\(argv0): \(large)")
            #expect(large.peakKiB > 0 && large.peakKiB < 32 * 1024, "\(argv0): \(large)")
            #expect(large.peakKiB - small.peakKiB < 1024, "\(argv0): \(small) vs \(large)")
        }
    }
}
