import Foundation
import Platform
import TestSupport
import Testing

/// The inotify wrapper against the real kernel: each way a file is replaced shows up as the event
/// the watch relies on, in the directory that holds the name.
@Suite struct InotifyTests {
    /// Events for `change` in a watched directory, after `prepare`.
    func events(
        prepare: (String) -> Void = { _ in }, change: (String) -> Void
    ) throws -> [Inotify.Event] {
        let directory = Paths.temporaryDirectory("inotify")
        defer { Paths.removeTree(directory) }
        prepare(directory)
        let inotify = try Inotify()
        let watch = try inotify.addWatch(
            directory,
            [.create, .delete, .movedFrom, .movedTo, .closeWrite, .modify, .onlyDirectory])
        #expect(watch > 0)
        change(directory)
        let events = try inotify.readEvents()
        #expect(events.allSatisfy { $0.watch == watch })
        return events
    }

    @Test func aNonBlockingReadWithNothingQueuedIsEmpty() throws {
        let inotify = try Inotify()
        #expect(try inotify.readEvents() == [])
        #expect(fcntl(inotify.descriptor, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(inotify.descriptor, F_GETFL) & O_NONBLOCK != 0)
    }

    @Test func aPlainInPlaceWriteIsACloseWrite() throws {
        let events = try events(
            prepare: { writeFile($0 + "/app.conf", "old\n") },
            change: {
                writeFile($0 + "/app.conf", "new\n")
            })
        #expect(events.contains { $0.name == "app.conf" && $0.mask.contains(.closeWrite) })
    }

    @Test func anEditorsWriteAndRenameIsAMoveTo() throws {
        let events = try events(
            prepare: { writeFile($0 + "/app.conf", "old\n") },
            change: {
                writeFile($0 + "/.app.conf.swp", "new\n")
                rename($0 + "/.app.conf.swp", $0 + "/app.conf")
            })
        #expect(events.contains { $0.name == "app.conf" && $0.mask.contains(.movedTo) })
        let from = try #require(events.first { $0.mask.contains(.movedFrom) })
        let to = try #require(events.first { $0.mask.contains(.movedTo) })
        #expect(from.cookie == to.cookie && from.cookie != 0)
    }

    @Test func kubeletsDataSwapIsAMoveToOfDotDotData() throws {
        let events = try events(
            prepare: { symlink("..old", $0 + "/..data") },
            change: {
                symlink("..new", $0 + "/..data_tmp")
                rename($0 + "/..data_tmp", $0 + "/..data")
            })
        #expect(events.map(\.name) == ["..data_tmp", "..data_tmp", "..data"])
        #expect(events.last?.mask.contains(.movedTo) == true)
    }

    @Test func aDirectoryThatIsRemovedEndsItsWatchWithIgnored() throws {
        let directory = Paths.temporaryDirectory("inotify")
        defer { Paths.removeTree(directory) }
        let inotify = try Inotify()
        let watch = try inotify.addWatch(directory, [.deleteSelf, .onlyDirectory])
        rmdir(directory)
        let events = try inotify.readEvents()
        #expect(events.map(\.mask) == [.deleteSelf, .ignored])
        #expect(events.allSatisfy { $0.watch == watch && $0.name.isEmpty })
    }

    @Test func aFileIsRefusedWithOnlyDirectoryNamingThePath() throws {
        let directory = Paths.temporaryDirectory("inotify")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/file", "x")
        let inotify = try Inotify()
        #expect(
            throws: SystemError(errno: ENOTDIR, operation: "inotify_add_watch(\(directory)/file)")
        ) {
            _ = try inotify.addWatch(directory + "/file", [.modify, .onlyDirectory])
        }
    }

    @Test func theDescriptionNamesTheBits() {
        let event = Inotify.Event(watch: 3, mask: [.movedTo, .isDirectory], name: "..data")
        #expect(event.description == "wd 3 IN_MOVED_TO|IN_ISDIR ..data")
    }
}
