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
}
