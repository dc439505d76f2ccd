import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The static `dist/wait-for` in a bare root holding only the binary, `/etc` and `/proc` (as in a
/// `FROM scratch` image): static glibc 2.36 resolves names from `/etc/hosts` and from DNS there,
/// with no NSS modules to load. Run as root by `make test` (which builds `dist/` first), in a mount
/// namespace (and for DNS a network and PID namespace) of its own.
@Suite struct WaitForBareRootTests {
    /// `$TOOLKIT_DIST/wait-for`, else the package's `dist/wait-for`.
    static let binary: String = {
        let directory =
            getenv("TOOLKIT_DIST").map { String(cString: $0) } ?? Paths.packageRoot + "/dist"
        return directory + "/wait-for"
    }()

    static var canRun: Bool { getuid() == 0 && access(binary, X_OK) == 0 }

    /// A bare root with the binary as `/wait-for`, `/etc/hosts`, an empty `/proc` and `files`.
    static func makeRoot(files: [String: String]) throws -> String {
        let root = Paths.temporaryDirectory("bare-root")
        _ = try run("/bin/mkdir", ["-p", root + "/etc", root + "/proc"])
        _ = try run("/bin/cp", [binary, root + "/wait-for"])
        for (path, text) in files { writeFile(root + path, text) }
        return root
    }

    @Test(.enabled(if: canRun))
    func namesFromEtcHostsResolveAndEveryAddressIsTried() throws {
        let v4 = try TestListener(host: "127.0.0.1")
        v4.listen()
        let v6 = try TestListener(host: "::1")
        v6.listen()
        // glibc returns every line of /etc/hosts that names a host only with `multi on` (Debian's
        // /etc/host.conf has it; without the file only the first line counts).
        let root = try Self.makeRoot(files: [
            "/etc/hosts":
                "127.0.0.1 localhost\n::1 both.internal\n127.0.0.1 both.internal\n::1 v6.internal\n",
            "/etc/host.conf": "multi on\n",
        ])
        defer { Paths.removeTree(root) }
        // both.internal: [::1] refuses, 127.0.0.1 listens. Then the follow-up command, exec'd in the
        // bare root, is wait-for itself probing an IPv6-only name.
        let result = try run(
            "/usr/bin/unshare",
            [
                "--mount", "--fork", "/bin/sh", "-c",
                "mount -t proc proc \"$1/proc\" && exec /usr/sbin/chroot \"$1\" /wait-for -t 5s "
                    + "both.internal:\(v4.port) -- /wait-for --once v6.internal:\(v6.port) "
                    + "v6.internal:\(v4.port)",
                "sh", root,
            ], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == .exited(1), "\(result.err)")
        let lines = result.err.split(separator: "\n").map(String.init)
        #expect(lines.first == "wait-for: info: waiting for both.internal:\(v4.port) (timeout 5s)")
        #expect(
            lines.contains { $0.hasPrefix("wait-for: info: both.internal:\(v4.port) ready after ") }
        )
        #expect(
            lines.contains { $0.hasPrefix("wait-for: info: v6.internal:\(v6.port) ready after ") })
        // The two `--once` probes run in parallel: their lines come in either order.
        #expect(
            lines.contains(
                "wait-for: error: v6.internal:\(v4.port) not ready: connect([::1]:\(v4.port)): "
                    + "Connection refused (errno 111)"), "\(result.err)")
    }

    /// Answers every A query with 127.0.0.1, every AAAA query with ::1, anything else with no record.
    static let dnsServer = """
        import socket, struct
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 53))
        while True:
            query, client = s.recvfrom(512)
            end = 12
            while query[end]:
                end += query[end] + 1
            qtype = struct.unpack(">H", query[end + 1:end + 3])[0]
            answer = b""
            if qtype == 1:
                answer = b"\\xc0\\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([127, 0, 0, 1])
            elif qtype == 28:
                answer = b"\\xc0\\x0c" + struct.pack(">HHIH", 28, 1, 60, 16) + bytes(15) + b"\\x01"
            header = struct.pack(">HHHHHH", struct.unpack(">H", query[:2])[0], 0x8180, 1,
                                 1 if answer else 0, 0, 0)
            s.sendto(header + query[12:end + 5] + answer, client)
        """

    @Test(.enabled(if: canRun && access("/usr/bin/python3", X_OK) == 0))
    func namesFromDNSResolveAndEtcHostsComesFirst() throws {
        let root = try Self.makeRoot(files: [
            "/etc/hosts": "127.0.0.1 localhost\n10.9.9.9 pinned.test\n",
            "/etc/resolv.conf": "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
        ])
        defer { Paths.removeTree(root) }
        let script = root + ".dns.py"
        writeFile(script, Self.dnsServer)
        defer { unlink(script) }
        // A network namespace of its own (port 53 and 8080 are free there) and a PID namespace, so
        // that the DNS and TCP servers die with the shell, which is its PID 1.
        let result = try run(
            "/usr/bin/unshare",
            [
                "--net", "--pid", "--mount", "--fork", "/bin/sh", "-c",
                """
                ip link set lo up
                python3 "$2" &
                python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 8080)); s.listen(); time.sleep(60)' &
                mount -t proc proc "$1/proc"
                /usr/sbin/chroot "$1" /wait-for -t 10s db.example.test:8080 || exit $?
                /usr/sbin/chroot "$1" /wait-for --once --connect-timeout 300ms pinned.test:1
                exit 0
                """,
                "sh", root, script,
            ], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], timeout: 30)
        // db.example.test has [::1] (refused: the listener is on 127.0.0.1 only) and 127.0.0.1.
        #expect(result.status == .exited(0), "\(result.err)")
        let lines = result.err.split(separator: "\n").map(String.init)
        #expect(
            lines.contains { $0.hasPrefix("wait-for: info: db.example.test:8080 ready after ") },
            "\(result.err)")
        // Without /etc/nsswitch.conf, glibc asks files before DNS (which would say 127.0.0.1).
        #expect(
            lines.last
                == "wait-for: error: pinned.test:1 not ready: connect(10.9.9.9:1): Network is "
                + "unreachable (errno 101)")
    }

    @Test(.enabled(if: canRun && access("/usr/bin/python3", X_OK) == 0))
    func aDNSServerThatNeverAnswersCannotDelayTheDeadline() throws {
        // glibc would wait timeout x attempts = 10 s for this resolver; the wait must still end at
        // its deadline + 100 ms (resolution runs on a helper thread).
        let root = try Self.makeRoot(files: [
            "/etc/hosts": "127.0.0.1 localhost\n",
            "/etc/resolv.conf": "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n",
        ])
        defer { Paths.removeTree(root) }
        let result = try run(
            "/usr/bin/unshare",
            [
                "--net", "--pid", "--mount", "--fork", "/bin/sh", "-c",
                """
                ip link set lo up
                python3 -c 'import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 53)); time.sleep(60)' &
                mount -t proc proc "$1/proc"
                for i in $(seq 500); do ss -Hlun 'sport = :53' | grep -q . && break; sleep 0.01; done
                start=$(date +%s%N)
                /usr/sbin/chroot "$1" /wait-for -t 700ms --connect-timeout 200ms silent.test:80
                status=$?
                echo "$status $(( ($(date +%s%N) - start) / 1000000 ))"
                """,
                "sh", root,
            ], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], timeout: 30)
        let fields = result.out.split(whereSeparator: { $0 == " " || $0 == "\n" })
        #expect(fields.first == "124", "\(result.out) \(result.err)")
        let milliseconds = fields.dropFirst().first.flatMap { Int($0) } ?? -1
        #expect(milliseconds >= 700 && milliseconds < 800, "took \(milliseconds) ms")
        #expect(
            result.err.hasSuffix(
                "; last error: resolve(silent.test): no answer within 200ms\n"), "\(result.err)")
    }
}
