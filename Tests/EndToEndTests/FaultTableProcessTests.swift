import Foundation
import TestSupport
import Testing

/// The fault table's process rows: signals during the render, a hook that leaves a daemon behind, a
/// server that ignores SIGTERM under `--init`.
///
/// The abort bound README.md promises is 100 ms from the signal; these tests measure from `kill(2)` to the exit
/// seen by `waitpid` polling every 5 ms and allow 300 ms, because two busy cores can delay either
/// process by a scheduler slice or two. The README records the measured times.
@Suite struct FaultTableProcessTests {
    static let bound = 300.0

    /// The names in `directory`, sorted.
    static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    /// A FIFO as the template: the render blocks in `open(2)` until a writer comes, or in `read(2)`
    /// while the writer holds the FIFO open without writing.
    @Test(arguments: [(SIGTERM, Int32(143), "SIGTERM"), (SIGINT, Int32(130), "SIGINT")])
    func aSignalDuringTheRenderAbortsAndLeavesTheOldConfig(
        _ signal: Int32, _ code: Int32, _ name: String
    ) throws {
        let directory = Paths.temporaryDirectory("rendersignal")
        defer { Paths.removeTree(directory) }
        mkfifo(directory + "/slow.template", 0o644)
        writeFile(directory + "/fast.template", "fast=${X:-1}\n")
        let output = directory + "/out"
        mkdir(output, 0o755)
        writeFile(output + "/fast", "old fast\n")
        writeFile(output + "/slow", "old slow\n")
        for writer in [false, true] {
            let child = try EntrypointHarness.start(
                ["--template", "\(directory):\(output)", "--", "echo", "never"])
            var holder: Int32 = -1
            if writer {
                // Open the FIFO for writing and write half a line: the render reads it and blocks.
                holder = open(directory + "/slow.template", O_WRONLY)
                _ = "half a line ${X".withCString { write(holder, $0, strlen($0)) }
                // The temporary file of the slow template exists once its read has begun (beside
                // fast's temporary and the old fast kept aside for the commit).
                #expect(
                    EntrypointHarness.waitUntil {
                        Self.entries(output).contains { $0.hasPrefix(".slow.") }
                    }, "\(Self.entries(output))")
            } else {
                // Blocked in open(2): nothing else shows it, so wait until the process sleeps in it.
                #expect(
                    EntrypointHarness.waitUntil {
                        readText("/proc/\(child.pid)/syscall").map {
                            $0.hasPrefix("257 ") || $0.hasPrefix("56 ")
                        } == true
                    })
            }
            child.signal(signal)
            let elapsed = try #require(EntrypointHarness.millisecondsUntilExit(child))
            if holder >= 0 { close(holder) }
            let result = child.finish()
            #expect(result.status == .exited(code))
            #expect(elapsed < Self.bound, "took \(elapsed) ms to abort")
            #expect(result.err == "entrypoint: error: \(name) received: start-up aborted\n")
            #expect(Self.entries(output) == ["fast", "slow"], "temporary files left behind")
            #expect(readText(output + "/fast") == "old fast\n")
            #expect(readText(output + "/slow") == "old slow\n")
        }
    }

    @Test func aSignalDuringTemplaterRenderRemovesItsTemporaryFiles() throws {
        let directory = Paths.temporaryDirectory("templatersignal")
        defer { Paths.removeTree(directory) }
        mkfifo(directory + "/slow", 0o644)
        writeFile(directory + "/out", "old\n")
        let child = try ChildProcess(
            Paths.binary("templater"), ["render", directory + "/slow", "-o", directory + "/out"],
            environment: ["PATH": "/usr/bin:/bin"])
        let holder = open(directory + "/slow", O_WRONLY)
        defer { close(holder) }
        _ = "half".withCString { write(holder, $0, strlen($0)) }
        #expect(EntrypointHarness.waitUntil { Self.entries(directory).count == 3 })
        child.signal(SIGTERM)
        let elapsed = try #require(EntrypointHarness.millisecondsUntilExit(child))
        let result = child.finish()
        #expect(result.status == .exited(143))
        #expect(elapsed < Self.bound, "took \(elapsed) ms")
        #expect(result.err == "templater: error: SIGTERM received: nothing was changed\n")
        #expect(Self.entries(directory) == ["out", "slow"])
        #expect(readText(directory + "/out") == "old\n")
    }

    @Test func aHookThatForksADaemonAndExitsDoesNotHoldUpStartUp() throws {
        let directory = Paths.temporaryDirectory("daemonhook")
        defer { Paths.removeTree(directory) }
        // The daemon keeps the entrypoint's stdout and stderr open: the entrypoint waits for the
        // hook's exit, not for its descriptors, so start-up goes on and the server is exec'd.
        let child = try EntrypointHarness.start([
            "--hook", "sh -c 'sleep 30 & echo $! > \(directory)/daemon'",
            "--", "sh", "-c", "echo server $$",
        ])
        defer {
            if let daemon = EntrypointHarness.pid(inFile: directory + "/daemon") {
                kill(daemon, SIGKILL)
            }
        }
        #expect(child.waitForOutput(seconds: 10) { out, _ in out.contains("server") })
        #expect(EntrypointHarness.waitUntil { child.poll() != nil })
        #expect(child.poll() == .exited(0))
        #expect(child.stdoutSoFar == "server \(child.pid)\n")
        let daemon = try #require(EntrypointHarness.pid(inFile: directory + "/daemon"))
        // The daemon outlives start-up (it is the hook's business, as with a shell entrypoint).
        #expect(EntrypointHarness.isRunning(daemon))
        kill(daemon, SIGKILL)
        let result = child.finish(timeout: 10)
        #expect(result.err.contains("entrypoint: info: exec sh -c 'echo server $$'"))
    }

    @Test func aServerThatIgnoresSIGTERMUnderInitKeepsRunningUntilKilled() throws {
        let directory = Paths.temporaryDirectory("stubborn")
        defer { Paths.removeTree(directory) }
        let child = try EntrypointHarness.start([
            "--init", "--", "sh", "-c",
            "trap '' TERM; echo $$ > \(directory)/server; while :; do sleep 0.05; done",
        ])
        let server = try #require(EntrypointHarness.pid(inFile: directory + "/server"))
        defer { kill(server, SIGKILL) }
        child.signal(SIGTERM)
        // The signal is forwarded and ignored: both keep running (docker stop's SIGKILL ends it).
        let ended = EntrypointHarness.waitUntil(seconds: 0.5) { child.poll() != nil }
        #expect(!ended, "the entrypoint gave up on a running server")
        #expect(EntrypointHarness.isRunning(server))
        #expect(EntrypointHarness.status(server, "SigIgn").map { $0.hasSuffix("4000") } == true)
        kill(server, SIGKILL)
        let result = child.finish(timeout: 10)
        #expect(result.status == .exited(137))
    }
}
