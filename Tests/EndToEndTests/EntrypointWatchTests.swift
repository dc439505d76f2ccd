import Foundation
import TestSupport
import Testing

/// `--watch` end to end: the entrypoint supervises a server stand-in that counts its SIGHUPs, its
/// templates sit on a kubelet-style volume (Tests/Kubelet/atomic_writer.py, kubelet's own sequence),
/// and every way an input changes is exercised: a kubelet update, an editor's rename, an in-place
/// write, a burst, an unchanged rewrite, a template that fails, a check that fails, a secret.
@Suite(.serialized) struct EntrypointWatchTests {
    static let writer = Paths.packageRoot + "/Tests/Kubelet/atomic_writer.py"

    /// A watched server: the directories, the entrypoint, and the HUPs the server got.
    final class Fixture {
        let root = Paths.temporaryDirectory("watch")
        var source: String { root + "/source" }
        var volume: String { root + "/volume" }
        var output: String { root + "/out" }
        var hups: String { root + "/hups" }
        var child: ChildProcess?

        init() {
            mkdir(source, 0o755)
            mkdir(output, 0o755)
        }

        deinit {
            if let child {
                // SIGTERM is forwarded to the server, which ends; the entrypoint exits 143. Its
                // server is killed by group too, so that no orphan holds the test's pipes open.
                if child.poll() == nil { child.signal(SIGTERM) }
                if let server = serverPID { kill(-server, SIGKILL) }
                _ = child.finish(timeout: 5)
            }
            Paths.removeTree(root)
        }

        /// The server's PID (and process group), from the entrypoint's `started ... as pid N` line.
        var serverPID: pid_t? {
            let err = child?.stderrSoFar ?? ""
            guard let range = err.range(of: "started sh as pid ") else { return nil }
            return pid_t(err[range.upperBound...].prefix { $0.isNumber })
        }

        /// Writes the keys into the source directory and projects them onto the volume as kubelet
        /// does.
        func kubelet(_ keys: [String: String]) throws {
            Paths.removeTree(source)
            mkdir(source, 0o755)
            for (key, text) in keys { writeFile(source + "/" + key, text) }
            let result = try run(
                "/usr/bin/python3", [EntrypointWatchTests.writer, volume, "--from", source])
            #expect(result.status == .exited(0), "\(result.err)")
        }

        /// A server stand-in that appends a line to `hups` at each SIGHUP, with the output it sees.
        var server: [String] {
            [
                "sh", "-c",
                "trap 'cat \(output)/app.conf >> \(hups)' HUP; echo ready; "
                    + "while :; do sleep 0.01; done",
            ]
        }

        /// Starts `entrypoint --watch` with a check that accepts outputs containing `good`.
        func start(
            _ arguments: [String] = [], environment: [String: String] = ["GREETING": "hello"],
            template: String? = nil
        ) throws {
            let child = try EntrypointHarness.start(
                [
                    "--watch", "--watch-debounce", "30ms", "--template",
                    "\(template ?? volume):\(output)",
                    "--reload-check", "grep -q good \(output)/app.conf",
                ] + arguments + ["--"] + server, environment: environment)
            self.child = child
            #expect(child.waitForOutput(seconds: 10) { out, _ in out.contains("ready") })
        }

        /// What the server saw at each SIGHUP.
        var signalled: [String] {
            (readText(hups) ?? "").split(separator: "\n").map(String.init)
        }

        /// The rendered output.
        var rendered: String? { readText(output + "/app.conf") }

        /// The stderr lines that start with `entrypoint: * reload:`.
        var reloads: [String] {
            (child?.stderrSoFar ?? "").split(separator: "\n").map(String.init).filter {
                $0.contains(" reload: ")
            }
        }

        /// Waits until `count` reload lines were logged; returns them.
        @discardableResult
        func waitForReloads(_ count: Int, seconds: Double = 10) -> [String] {
            _ = child?.waitForOutput(seconds: seconds) { _, err in
                err.split(separator: "\n").filter { $0.contains(" reload: ") }.count >= count
            }
            return reloads
        }

        /// The inode of the output (a rollback puts the very same file back).
        var outputInode: UInt64? {
            (try? FileManager.default.attributesOfItem(atPath: output + "/app.conf"))?[
                .systemFileNumber] as? UInt64
        }
    }

    @Test func aKubeletUpdateIsRenderedCheckedAndSignalledAndSoIsTheNext() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good ${GREETING} v1\n"])
        try fixture.start()
        #expect(fixture.rendered == "good hello v1\n")
        try fixture.kubelet(["app.conf.template": "good ${GREETING} v2\n"])
        let first = fixture.waitForReloads(1)
        #expect(first.count == 1)
        #expect(
            first.first?.hasPrefix(
                "entrypoint: info: reload: 1 template changed, grep -q good \(fixture.output)/app.conf ok, SIGHUP to sh (pid "
            ) == true, "\(first)")
        #expect(EntrypointHarness.waitUntil { fixture.signalled == ["good hello v2"] })
        try fixture.kubelet(["app.conf.template": "good ${GREETING} v3\n"])
        #expect(fixture.waitForReloads(2).count == 2)
        #expect(
            EntrypointHarness.waitUntil { fixture.signalled == ["good hello v2", "good hello v3"] })
    }

    @Test func anEditorsRenameAndAnInPlaceWriteOfATemplateFileAreApplied() throws {
        let fixture = Fixture()
        let template = fixture.source + "/app.conf.template"
        writeFile(template, "good 1\n")
        try fixture.start(template: template)
        writeFile(fixture.source + "/.app.conf.template.swp", "good 2\n")
        rename(fixture.source + "/.app.conf.template.swp", template)
        #expect(fixture.waitForReloads(1).count == 1)
        #expect(EntrypointHarness.waitUntil { fixture.signalled == ["good 2"] })
        writeFile(template, "good 3\n")
        #expect(fixture.waitForReloads(2).count == 2)
        #expect(EntrypointHarness.waitUntil { fixture.signalled == ["good 2", "good 3"] })
    }

    @Test func aBurstOfTenChangesIsOneReload() throws {
        let fixture = Fixture()
        let template = fixture.source + "/app.conf.template"
        writeFile(template, "good 0\n")
        try fixture.start(template: template)
        for index in 1...10 {
            writeFile(template, "good \(index)\n")
            usleep(3000)
        }
        #expect(fixture.waitForReloads(1).count == 1)
        // Longer than the debounce: a second reload would have come by now.
        usleep(300_000)
        #expect(fixture.reloads.count == 1, "\(fixture.reloads)")
        #expect(fixture.signalled == ["good 10"])
    }

    @Test func anUpdateThatLeavesTheOutputAsItWasRewritesNothingAndSignalsNothing() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good ${GREETING}\n", "unrelated": "1"])
        try fixture.start()
        let inode = fixture.outputInode
        try fixture.kubelet(["app.conf.template": "good ${GREETING}\n", "unrelated": "2"])
        let lines = fixture.waitForReloads(1)
        #expect(
            lines.first?.hasPrefix("entrypoint: info: reload: no output changed, sh not signalled")
                == true)
        #expect(fixture.outputInode == inode)
        #expect(fixture.signalled == [])
    }

    @Test func aTemplateThatNoLongerRendersLeavesTheFilesAndTheServerAloneUntilAGoodUpdate() throws
    {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good ${GREETING}\n"])
        try fixture.start()
        let inode = fixture.outputInode
        try fixture.kubelet(["app.conf.template": "good ${MISSING}\n"])
        let lines = fixture.waitForReloads(1)
        #expect(
            lines.first?.hasPrefix(
                "entrypoint: error: reload: render failed, previous files kept, sh not signalled, ")
                == true, "\(lines)")
        #expect(
            fixture.child?.stderrSoFar.contains(
                "app.conf.template:1:6: error: variable MISSING is not set") == true)
        #expect(fixture.rendered == "good hello\n")
        #expect(fixture.outputInode == inode)
        #expect(fixture.signalled == [])
        try fixture.kubelet(["app.conf.template": "good ${GREETING} again\n"])
        #expect(fixture.waitForReloads(2).count == 2)
        #expect(EntrypointHarness.waitUntil { fixture.signalled == ["good hello again"] })
    }

    @Test func aCheckThatFailsPutsThePreviousFileBackAndSignalsNothingUntilAGoodUpdate() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good ${GREETING}\n"])
        try fixture.start()
        let inode = fixture.outputInode
        try fixture.kubelet(["app.conf.template": "bad ${GREETING}\n"])
        let lines = fixture.waitForReloads(1)
        #expect(
            lines.first?.hasPrefix(
                "entrypoint: error: reload: 1 template changed, grep -q good \(fixture.output)/app.conf failed (exit status 1), previous files restored, sh not signalled, "
            ) == true, "\(lines)")
        #expect(fixture.rendered == "good hello\n")
        #expect(fixture.outputInode == inode)
        #expect(fixture.signalled == [])
        try fixture.kubelet(["app.conf.template": "good ${GREETING} fixed\n"])
        #expect(fixture.waitForReloads(2).count == 2)
        #expect(EntrypointHarness.waitUntil { fixture.signalled == ["good hello fixed"] })
    }

    @Test func aChangedSecretIsReReadNeverPrintedAndItsOutputKeepsItsMode() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good ${DB_PASSWORD}\n"])
        let secrets = fixture.root + "/secrets"
        let source = fixture.root + "/secret-source"
        mkdir(source, 0o755)
        writeFile(source + "/db_password", "first-s3cret")
        _ = try run("/usr/bin/python3", [Self.writer, secrets, "--from", source, "--mode", "0400"])
        try fixture.start(
            ["--log-level", "debug"],
            environment: ["DB_PASSWORD_FILE": secrets + "/db_password"])
        let mode = {
            (try? FileManager.default.attributesOfItem(atPath: fixture.output + "/app.conf"))?[
                .posixPermissions] as? Int
        }
        #expect(mode() == 0o600)
        writeFile(source + "/db_password", "second-s3cret")
        _ = try run("/usr/bin/python3", [Self.writer, secrets, "--from", source, "--mode", "0400"])
        #expect(fixture.waitForReloads(1).count == 1)
        #expect(EntrypointHarness.waitUntil { fixture.signalled == ["good second-s3cret"] })
        #expect(mode() == 0o600)
        let err = fixture.child?.stderrSoFar ?? ""
        #expect(!err.contains("first-s3cret") && !err.contains("second-s3cret"))
        #expect(
            err.contains("watch: template \(fixture.volume), secret file \(secrets)/db_password"))
    }

    @Test func aSecretInTheChecksOutputIsRedacted() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "password ${DB_PASSWORD}\n"])
        let secret = fixture.root + "/db_password"
        writeFile(secret, "hunter2-s3cret")
        let child = try EntrypointHarness.start(
            [
                "--watch", "--watch-debounce", "30ms", "--template",
                "\(fixture.volume):\(fixture.output)", "--reload-check",
                "sh -c 'cat \(fixture.output)/app.conf; exit 1'", "--",
            ] + fixture.server, environment: ["DB_PASSWORD_FILE": secret])
        fixture.child = child
        #expect(child.waitForOutput(seconds: 10) { out, _ in out.contains("ready") })
        writeFile(secret, "changed-s3cret")
        #expect(fixture.waitForReloads(1).count == 1)
        let err = child.stderrSoFar
        #expect(err.contains(": password <redacted>\n"), "\(err)")
        #expect(!err.contains("hunter2-s3cret") && !err.contains("changed-s3cret"), "\(err)")
        #expect(fixture.rendered == "password hunter2-s3cret\n")
    }

    @Test func aChangedEnvFileIsReRead() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good ${COLOR}\n"])
        let envFile = fixture.root + "/app.env"
        writeFile(envFile, "COLOR=blue\n")
        try fixture.start(["--env-file", envFile])
        #expect(fixture.rendered == "good blue\n")
        writeFile(envFile, "COLOR=green\n")
        #expect(fixture.waitForReloads(1).count == 1)
        #expect(EntrypointHarness.waitUntil { fixture.signalled == ["good green"] })
    }

    @Test func afterAStopSignalNoReloadStarts() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good 1\n"])
        try fixture.start(["--log-level", "debug"])
        fixture.child?.signal(SIGTERM)
        try fixture.kubelet(["app.conf.template": "good 2\n"])
        let result = fixture.child?.finish(timeout: 10)
        #expect(result?.status == .exited(143))
        #expect(result?.err.contains("watch: stopped") == true)
        #expect(fixture.reloads == [])
    }

    @Test func aStopDuringTheCheckEndsItRestoresTheFilesAndStops() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good 1\n"])
        let mark = fixture.root + "/checking"
        let child = try EntrypointHarness.start(
            [
                "--watch", "--watch-debounce", "30ms", "--template",
                "\(fixture.volume):\(fixture.output)", "--reload-check",
                "sh -c 'touch \(mark); sleep 10'", "--",
            ] + fixture.server)
        fixture.child = child
        #expect(child.waitForOutput(seconds: 10) { out, _ in out.contains("ready") })
        try fixture.kubelet(["app.conf.template": "good 2\n"])
        #expect(EntrypointHarness.waitUntil { FileManager.default.fileExists(atPath: mark) })
        #expect(fixture.rendered == "good 2\n")
        let stopped = now()
        child.signal(SIGTERM)
        let result = child.finish(timeout: 10)
        #expect(now() - stopped < 2)
        #expect(result.status == .exited(143))
        #expect(
            result.err.contains(
                "reload: 1 template changed, sh -c 'touch \(mark); sleep 10' ended (SIGTERM "
                    + "received), previous files restored, sh not signalled, "), "\(result.err)")
        #expect(fixture.rendered == "good 1\n")
        #expect(fixture.signalled == [])
    }

    @Test func aTemplateDirectoryThatDisappearsFailsTheReloadAndIsWatchedAgainWhenItReturns() throws
    {
        let fixture = Fixture()
        let templates = fixture.root + "/templates"
        mkdir(templates, 0o755)
        writeFile(templates + "/app.conf.template", "good 1\n")
        try fixture.start(template: templates)
        rename(templates, fixture.root + "/gone")
        let failed = fixture.waitForReloads(1)
        #expect(
            failed.first?.hasPrefix(
                "entrypoint: error: reload: render failed, previous files kept, sh not signalled")
                == true, "\(failed)")
        #expect(fixture.rendered == "good 1\n")
        mkdir(templates, 0o755)
        writeFile(templates + "/app.conf.template", "good 2\n")
        #expect(fixture.waitForReloads(2).count >= 2)
        #expect(EntrypointHarness.waitUntil { fixture.signalled == ["good 2"] })
    }

    @Test func theDryRunShowsTheWatchPlan() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good\n"])
        let result = try EntrypointHarness.run([
            "--dry-run", "--watch", "--template", "\(fixture.volume):\(fixture.output)",
            "--reload-check", "nginx -t", "--reload-signal", "USR2", "--", "nginx",
        ])
        #expect(result.status == .exited(0))
        let lines = result.out.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("watch") })
        #expect(
            Array(lines[start...]) == [
                "watch (after the command started; inotify, no polling):",
                "  template \(fixture.volume)",
                "  in \(fixture.volume): *.template, subdirectories, ..data",
                "  in \(fixture.root): volume, ..data",
                "reload: 50ms after the last change: render all, check 'nginx -t' (timeout 30s), "
                    + "then SIGUSR2 to the command; a failure restores the previous files and "
                    + "signals nothing",
                "command: nginx (init mode: supervised as a child)",
            ])
    }

    @Test(arguments: [
        (
            "an unknown signal", ["--reload-signal", "RELOAD"],
            "entrypoint: error: --reload-signal: 'RELOAD' is not a signal (a name such as HUP, SIGUSR2, or 1-64)\n"
        ),
        (
            "an uncatchable signal", ["--reload-signal", "9"],
            "entrypoint: error: --reload-signal: '9' is not a signal (a name such as HUP, SIGUSR2, or 1-64)\n"
        ),
        (
            "an unbalanced quote in the check", ["--reload-check", "nginx -t 'x"],
            "entrypoint: error: --reload-check: 'nginx -t 'x': unterminated single quote\n"
        ),
        (
            "a zero check timeout", ["--reload-check-timeout", "0"],
            "entrypoint: error: --reload-check-timeout: must be more than 0\n"
        ),
    ])
    func malformedWatchOptionsAreUsageErrors(
        _ behaviour: String, _ arguments: [String], _ message: String
    ) throws {
        let result = try EntrypointHarness.run(["--watch"] + arguments + ["--", "true"])
        #expect(result.status == .exited(64), "\(behaviour)")
        #expect(result.err == message, "\(behaviour)")
    }

    @Test func theVariablesSetTheSameOptions() throws {
        let fixture = Fixture()
        try fixture.kubelet(["app.conf.template": "good\n"])
        let result = try EntrypointHarness.run(
            ["--dry-run", "--template", "\(fixture.volume):\(fixture.output)", "--", "nginx"],
            environment: [
                "ENTRYPOINT_WATCH": "1", "ENTRYPOINT_RELOAD_CHECK": "nginx -t -q",
                "ENTRYPOINT_RELOAD_SIGNAL": "SIGUSR1", "ENTRYPOINT_WATCH_DEBOUNCE": "100ms",
                "ENTRYPOINT_RELOAD_CHECK_TIMEOUT": "5s",
            ])
        #expect(
            result.out.contains(
                "reload: 100ms after the last change: render all, check 'nginx -t -q' (timeout 5s), then SIGUSR1"
            ),
            "\(result.out)")
    }
}
