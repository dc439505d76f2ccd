import Foundation
import Platform
import TestSupport
import Testing

@testable import Entrypoint

/// The watcher against real file changes: every way an input is replaced gives exactly one batch,
/// and the watch follows kubelet's `..data` swaps and directories that come and go.
@Suite struct WatcherTests {
    static let ms: UInt64 = 1_000_000

    /// A watcher on `inputs` with a 30 ms quiet period.
    static func watcher(_ inputs: WatchInputs) throws -> Watcher {
        try Watcher(
            inputs: inputs, quiet: 30 * ms, limit: 300 * ms, log: Log(level: .error) { _, _ in })
    }

    /// The batches the watcher produces within `seconds`, as the supervisor loop would take them.
    static func batches(_ watcher: Watcher, seconds: Double = 0.4) -> [[String]] {
        var batches: [[String]] = []
        let end = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while monotonicNanoseconds() < end {
            let now = monotonicNanoseconds()
            let wake = min(watcher.deadline ?? end, end)
            var fds = [pollfd(fd: watcher.descriptor, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 1, Int32(max(1, (wake > now ? wake - now : 0) / ms)))
            watcher.readEvents(now: monotonicNanoseconds())
            if let batch = watcher.takeBatch(now: monotonicNanoseconds()) { batches.append(batch) }
        }
        return batches
    }

    static func kubelet(_ volume: String, _ keys: [String: String]) throws {
        try WatchPlanTests.kubeletVolume(volume, keys)
    }

    @Test func kubeletsUpdateOfAVolumeIsOneBatchAndTheNextOneIsSeenToo() throws {
        let root = Paths.temporaryDirectory("watcher")
        defer { Paths.removeTree(root) }
        try Self.kubelet(root + "/config", ["site.conf.template": "v1", "other": "x"])
        let watcher = try Self.watcher(
            WatchInputs(
                templates: [root + "/config"], suffix: ".template", envFiles: [], secretFiles: []))
        #expect(Self.batches(watcher, seconds: 0.1).isEmpty)
        for version in ["v2", "v3"] {
            try Self.kubelet(root + "/config", ["site.conf.template": version, "other": "x"])
            #expect(Self.batches(watcher) == [[root + "/config/..data"]], "\(version)")
        }
    }

    @Test func aSingleKubeletFileIsFollowedAcrossSwaps() throws {
        let root = Paths.temporaryDirectory("watcher")
        defer { Paths.removeTree(root) }
        try Self.kubelet(root + "/secrets", ["db_password": "one"])
        let watcher = try Self.watcher(
            WatchInputs(
                templates: [], suffix: ".template", envFiles: [],
                secretFiles: [root + "/secrets/db_password"]))
        for value in ["two", "three", "four"] {
            try Self.kubelet(root + "/secrets", ["db_password": value])
            #expect(Self.batches(watcher).count == 1, "\(value)")
        }
    }

    @Test func anEditorsWriteAndRenameAndAnInPlaceWriteAreSeen() throws {
        let root = Paths.temporaryDirectory("watcher")
        defer { Paths.removeTree(root) }
        writeFile(root + "/app.env", "A=1\n")
        let watcher = try Self.watcher(
            WatchInputs(
                templates: [], suffix: ".template", envFiles: [root + "/app.env"], secretFiles: []))
        writeFile(root + "/.app.env.swp", "A=2\n")
        rename(root + "/.app.env.swp", root + "/app.env")
        #expect(Self.batches(watcher) == [[root + "/app.env"]])
        writeFile(root + "/app.env", "A=3\n")
        #expect(Self.batches(watcher) == [[root + "/app.env"]])
    }

    @Test func aBurstOfTenChangesIsOneBatch() throws {
        let root = Paths.temporaryDirectory("watcher")
        defer { Paths.removeTree(root) }
        mkdir(root + "/templates", 0o755)
        let watcher = try Self.watcher(
            WatchInputs(
                templates: [root + "/templates"], suffix: ".template", envFiles: [],
                secretFiles: []))
        for index in 0..<10 {
            writeFile(root + "/templates/\(index % 3).conf.template", "version \(index)\n")
            usleep(2000)
        }
        let batches = Self.batches(watcher)
        #expect(batches.count == 1)
        #expect(Set(batches.first ?? []).count == 3)
    }

    @Test func otherNamesInAWatchedDirectoryAreNoBatch() throws {
        let root = Paths.temporaryDirectory("watcher")
        defer { Paths.removeTree(root) }
        writeFile(root + "/app.env", "A=1\n")
        let watcher = try Self.watcher(
            WatchInputs(
                templates: [], suffix: ".template", envFiles: [root + "/app.env"], secretFiles: []))
        writeFile(root + "/app.conf", "rendered\n")
        writeFile(root + "/notes.txt", "x\n")
        #expect(Self.batches(watcher).isEmpty)
    }

    @Test func aDirectoryThatDisappearsAndComesBackIsWatchedAgain() throws {
        let root = Paths.temporaryDirectory("watcher")
        defer { Paths.removeTree(root) }
        mkdir(root + "/templates", 0o755)
        writeFile(root + "/templates/a.conf.template", "1\n")
        let watcher = try Self.watcher(
            WatchInputs(
                templates: [root + "/templates"], suffix: ".template", envFiles: [],
                secretFiles: []))
        Paths.removeTree(root + "/templates")
        #expect(Self.batches(watcher).count == 1)
        #expect(watcher.watchedDirectories == [root])
        mkdir(root + "/templates", 0o755)
        #expect(Self.batches(watcher).count == 1)
        #expect(watcher.watchedDirectories == [root + "/templates", root])
        writeFile(root + "/templates/a.conf.template", "2\n")
        #expect(Self.batches(watcher).count == 1)
    }

    @Test func aClosedWatcherProducesNothing() throws {
        let root = Paths.temporaryDirectory("watcher")
        defer { Paths.removeTree(root) }
        writeFile(root + "/app.env", "A=1\n")
        let watcher = try Self.watcher(
            WatchInputs(
                templates: [], suffix: ".template", envFiles: [root + "/app.env"], secretFiles: []))
        writeFile(root + "/app.env", "A=2\n")
        watcher.close()
        #expect(watcher.descriptor == -1)
        #expect(watcher.deadline == nil)
    }
}
