import Foundation
import TestSupport
import Testing

/// `--user`: initgroups, setgid, setuid after the hooks; a no-op when already that user.
@Suite struct EntrypointUserTests {
    @Test func asRootItSwitchesToNobodyAfterTheHooks() throws {
        try #require(getuid() == 0, "these tests run as root")
        let result = try EntrypointHarness.run([
            "--user", "nobody", "--hook", "id -u", "--", "sh", "-c",
            #"id -u; id -g; id -G; echo "$HOME"; grep -E '^(Uid|Gid|Groups):' /proc/self/status"#,
        ])
        #expect(result.status == .exited(0))
        #expect(
            result.out == """
                0
                65534
                65534
                65534
                /nonexistent
                Uid:\t65534\t65534\t65534\t65534
                Gid:\t65534\t65534\t65534\t65534
                Groups:\t65534 \n
                """)
        #expect(
            result.err.contains(
                "entrypoint: info: switched to user nobody (uid 65534, gid 65534)\n"))
    }

    @Test func aGroupCanBeGiven() throws {
        try #require(getuid() == 0, "these tests run as root")
        let result = try EntrypointHarness.run([
            "--user", "nobody:daemon", "--", "sh", "-c", "id -u; id -G",
        ])
        #expect(result.status == .exited(0))
        #expect(result.out == "65534\n1\n")
    }

    /// Runs the entrypoint as nobody (setpriv), the way `docker run --user` starts it.
    func runAsNobody(_ arguments: [String]) throws -> ProcessResult {
        try run(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", EntrypointHarness.binary]
                + arguments,
            environment: EntrypointHarness.environment())
    }

    @Test func alreadyThatUserIsANoOp() throws {
        try #require(getuid() == 0, "these tests run as root")
        let result = try runAsNobody(["--user", "nobody", "--", "id", "-u"])
        #expect(result.status == .exited(0))
        #expect(result.out == "65534\n")
        #expect(
            result.err.hasPrefix(
                "entrypoint: info: already running as nobody (uid 65534, gid 65534); no user switch needed\n"
            ))
    }

    @Test func notRootIsAClearError() throws {
        try #require(getuid() == 0, "these tests run as root")
        let result = try runAsNobody(["--user", "root", "--", "id", "-u"])
        #expect(result.status == .exited(1))
        #expect(result.out == "")
        #expect(
            result.err == """
                entrypoint: error: cannot switch to user root (uid 0, gid 0): the entrypoint runs as uid 65534, \
                not root (run the container as root, or drop --user)

                """)
    }

    @Test func anUnknownUserIsAUsageErrorBeforeAnythingRuns() throws {
        let result = try EntrypointHarness.run([
            "--user", "no-such-user", "--hook", "echo never", "--", "echo", "never",
        ])
        #expect(result.status == .exited(64))
        #expect(result.out == "")
        #expect(result.err == "entrypoint: error: --user: no user 'no-such-user' in /etc/passwd\n")
    }

    /// How a row's entrypoint is started.
    enum Runner: Sendable {
        /// As root, as the test runs.
        case root
        /// As nobody (`setpriv --reuid`), as `docker run --user` starts it.
        case nobody
        /// As root without CAP_SETUID/CAP_SETGID, as `docker run --cap-drop` starts it.
        case rootWithoutSetID
    }

    /// Every `--user` problem is found before any phase changes anything: no output rendered, no
    /// hook run. `DIR` is a world-writable directory holding `ok.template`.
    @Test(arguments: [
        (
            "not root", Runner.nobody, ["--user", "root"], [String: String](), Int32(1),
            "cannot switch to user root (uid 0, gid 0): the entrypoint runs as uid 65534, not root "
                + "(run the container as root, or drop --user)"
        ),
        (
            "root without CAP_SETUID", .rootWithoutSetID, ["--user", "nobody"], [:], 1,
            "cannot switch to user nobody (uid 65534, gid 65534): the entrypoint runs as root "
                + "without CAP_SETGID (docker run --cap-add SETUID --cap-add SETGID, or drop --user)"
        ),
        (
            "a uid out of range", .root, ["--user", "4294967296"], [:], 64,
            "--user: '4294967296': uid 4294967296 is out of range (0-4294967294)"
        ),
        (
            "uid -1 of setuid(2), which means no change", .root, ["--user", "4294967295:0"], [:],
            64,
            "--user: '4294967295:0': uid 4294967295 is out of range (0-4294967294)"
        ),
        (
            "a gid out of range in the variable", .root, [],
            ["ENTRYPOINT_USER": "1000:99999999999"], 64,
            "ENTRYPOINT_USER: '1000:99999999999': gid 99999999999 is out of range (0-4294967294)"
        ),
        (
            "an unknown user in the variable", .root, [], ["ENTRYPOINT_USER": "ghost"], 64,
            "ENTRYPOINT_USER: no user 'ghost' in /etc/passwd"
        ),
        (
            "an unknown group", .root, ["--user", "nobody:ghosts"], [:], 64,
            "--user: no group 'ghosts' in /etc/group"
        ),
    ])
    func userProblemsAreFoundBeforeAnyPhase(
        _ behaviour: String, _ runner: Runner, _ user: [String], _ environment: [String: String],
        _ code: Int32, _ message: String
    ) throws {
        try #require(getuid() == 0, "these tests run as root")
        let directory = Paths.temporaryDirectory("user")
        defer { Paths.removeTree(directory) }
        chmod(directory, 0o777)
        writeFile(directory + "/ok.template", "ok\n")
        let arguments =
            user + [
                "--template", "\(directory)/ok.template:\(directory)/out", "--hook",
                "touch \(directory)/hook-ran", "--", "true",
            ]
        let prefix: [String]
        switch runner {
        case .root: prefix = []
        case .nobody: prefix = ["--reuid=65534", "--regid=65534", "--clear-groups"]
        case .rootWithoutSetID: prefix = ["--bounding-set=-setuid,-setgid", "--inh-caps=-all"]
        }
        let result = try run(
            "/usr/bin/setpriv", prefix + [EntrypointHarness.binary] + arguments,
            environment: EntrypointHarness.environment(environment))
        #expect(result.status == .exited(code), "\(behaviour)")
        #expect(result.err == "entrypoint: error: \(message)\n", "\(behaviour)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/out"), "\(behaviour)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/hook-ran"), "\(behaviour)")
    }
}
