import Foundation
import Platform
import Templater
import TestSupport
import Testing

/// The two-phase commit of outputs: prepare (stage, write, seal) → commit → rollback or finish.
/// Every test checks the bytes, the mode, the owner and the inode of what is on disk afterwards, and
/// that no temporary or kept-aside file is left.
@Suite struct OutputTransactionTests {
    /// A temporary directory for `body`, removed afterwards.
    func withDirectory(_ body: (String) throws -> Void) rethrows {
        let directory = Paths.temporaryDirectory("transaction")
        defer { Paths.removeTree(directory) }
        try body(directory)
    }

    /// Every name under `directory`, recursively, sorted (hidden files included).
    static func tree(_ directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        return ((enumerator?.allObjects as? [String]) ?? []).sorted()
    }

    /// The status of `path` (lstat), or nil.
    static func status(_ path: String) -> stat? {
        var result = stat()
        return lstat(path, &result) == 0 ? result : nil
    }

    /// Stages `destination` with `text`, sealed with mode 0644 for a new file.
    @discardableResult
    static func put(_ transaction: OutputTransaction, _ destination: String, _ text: String)
        throws -> Int
    {
        let index = try transaction.stage(destination)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes {
            write(transaction.descriptor(of: index), $0.baseAddress, $0.count)
        }
        try transaction.seal(index, newFileMode: 0o644)
        return index
    }

    @Test func aCommitReplacesEveryOutputAndFinishDropsTheOldFiles() throws {
        try withDirectory { directory in
            writeFile(directory + "/a.conf", "old a\n", mode: 0o640)
            chown(directory + "/a.conf", 123, 456)
            let transaction = OutputTransaction()
            try Self.put(transaction, directory + "/a.conf", "new a\n")
            try Self.put(transaction, directory + "/sub/b.conf", "new b\n")
            #expect(transaction.outputs.map(\.changed) == [true, true])
            #expect(transaction.outputs.map(\.existed) == [true, false])
            #expect(readText(directory + "/a.conf") == "old a\n")
            try transaction.commit()
            #expect(transaction.state == .committed)
            #expect(readText(directory + "/a.conf") == "new a\n")
            #expect(readText(directory + "/sub/b.conf") == "new b\n")
            let a = try #require(Self.status(directory + "/a.conf"))
            #expect(a.st_mode & 0o7777 == 0o640)
            #expect(a.st_uid == 123 && a.st_gid == 456)
            transaction.finish()
            #expect(transaction.state == .finished)
            #expect(Self.tree(directory) == ["a.conf", "sub", "sub/b.conf"])
        }
    }

    @Test func aRollbackAfterACommitPutsBackTheSameFilesAndRemovesWhatItCreated() throws {
        try withDirectory { directory in
            writeFile(directory + "/a.conf", "old a\n", mode: 0o604)
            chown(directory + "/a.conf", 123, 456)
            let before = try #require(Self.status(directory + "/a.conf"))
            let transaction = OutputTransaction()
            try Self.put(transaction, directory + "/a.conf", "new a\n")
            try Self.put(transaction, directory + "/new/deeper/b.conf", "new b\n")
            try transaction.commit()
            #expect(readText(directory + "/new/deeper/b.conf") == "new b\n")
            try transaction.rollback()
            #expect(transaction.state == .rolledBack)
            #expect(readText(directory + "/a.conf") == "old a\n")
            let after = try #require(Self.status(directory + "/a.conf"))
            #expect(after.st_ino == before.st_ino)
            #expect(after.st_mode == before.st_mode)
            #expect(after.st_uid == 123 && after.st_gid == 456)
            #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec)
            #expect(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
            #expect(Self.tree(directory) == ["a.conf"])
        }
    }

    @Test func aRenameFailingInTheMiddleRestoresTheOutputsAlreadyRenamed() throws {
        try withDirectory { directory in
            writeFile(directory + "/a.conf", "old a\n", mode: 0o600)
            let before = try #require(Self.status(directory + "/a.conf"))
            let transaction = OutputTransaction()
            try Self.put(transaction, directory + "/a.conf", "new a\n")
            try Self.put(transaction, directory + "/made/b.conf", "new b\n")
            try Self.put(transaction, directory + "/c.conf", "new c\n")
            // Validated when staged; a directory appears in its way before the commit.
            mkdir(directory + "/c.conf", 0o755)
            #expect(
                throws: TemplaterError.commitFailed(
                    path: directory + "/c.conf",
                    SystemError(errno: EISDIR, operation: "rename(\(directory)/c.conf)"),
                    restored: 2, unrestored: [])
            ) { try transaction.commit() }
            #expect(transaction.state == .rolledBack)
            #expect(readText(directory + "/a.conf") == "old a\n")
            #expect(Self.status(directory + "/a.conf")?.st_ino == before.st_ino)
            #expect(Self.status(directory + "/a.conf")?.st_mode == before.st_mode)
            #expect(Self.tree(directory) == ["a.conf", "c.conf"])
            let message = TemplaterError.commitFailed(
                path: "o/c.conf", SystemError(errno: EISDIR, operation: "rename"), restored: 2,
                unrestored: []
            ).description
            #expect(
                message
                    == "cannot write o/c.conf: Is a directory (nothing was changed: the 2 outputs already replaced were put back)"
            )
        }
    }

    @Test func aRestoreThatFailsIsNamedAndTheRestStillRestored() throws {
        try withDirectory { directory in
            writeFile(directory + "/a.conf", "old a\n")
            mkdir(directory + "/d", 0o755)
            writeFile(directory + "/d/b.conf", "old b\n")
            let transaction = OutputTransaction()
            try Self.put(transaction, directory + "/a.conf", "new a\n")
            try Self.put(transaction, directory + "/d/b.conf", "new b\n")
            try transaction.commit()
            // Someone removes b's kept-aside file: b cannot be put back, a still is.
            for name in Self.tree(directory + "/d") where name.hasPrefix(".b.conf.old-") {
                unlink(directory + "/d/" + name)
            }
            #expect(throws: TemplaterError.self) { try transaction.rollback() }
            do {
                try transaction.rollback()
            } catch {
                Issue.record("a second rollback is a no-op: \(error)")
            }
            #expect(readText(directory + "/a.conf") == "old a\n")
            #expect(readText(directory + "/d/b.conf") == "new b\n")
            let message = TemplaterError.restoreFailed(
                paths: ["d/b.conf"], SystemError(errno: ENOENT, operation: "rename")
            ).description
            #expect(
                message
                    == "cannot put back the previous d/b.conf: No such file or directory; it holds the new version, every other output was restored"
            )
        }
    }

    @Test func unchangedOutputsAreToldAndWithSkipUnchangedLeftAlone() throws {
        try withDirectory { directory in
            writeFile(directory + "/same.conf", "same\n")
            writeFile(directory + "/other.conf", "before\n")
            for skip in [false, true] {
                let before = try #require(Self.status(directory + "/same.conf"))
                let transaction = OutputTransaction(skipUnchanged: skip)
                try Self.put(transaction, directory + "/same.conf", "same\n")
                try Self.put(transaction, directory + "/other.conf", "before!\n")
                #expect(transaction.outputs.map(\.changed) == [false, true])
                try transaction.commit()
                transaction.finish()
                let inode = Self.status(directory + "/same.conf")?.st_ino
                #expect((inode == before.st_ino) == skip, "skipUnchanged: \(skip)")
                writeFile(directory + "/other.conf", "before\n")
            }
            #expect(Self.tree(directory) == ["other.conf", "same.conf"])
        }
    }

    @Test func anOutputThroughASymbolicLinkIsWrittenThroughAndTheLinkStays() throws {
        try withDirectory { directory in
            mkdir(directory + "/data", 0o755)
            writeFile(directory + "/data/live.conf", "old\n")
            symlink("data/live.conf", directory + "/live.conf")
            symlink("data/missing.conf", directory + "/dangling.conf")
            let transaction = OutputTransaction()
            try Self.put(transaction, directory + "/live.conf", "new live\n")
            try Self.put(transaction, directory + "/dangling.conf", "new dangling\n")
            #expect(
                transaction.outputs.map(\.target) == [
                    directory + "/data/live.conf", directory + "/data/missing.conf",
                ])
            try transaction.commit()
            transaction.finish()
            #expect(Self.status(directory + "/live.conf").map { $0.st_mode & S_IFMT } == S_IFLNK)
            #expect(
                Self.status(directory + "/dangling.conf").map { $0.st_mode & S_IFMT } == S_IFLNK)
            #expect(readText(directory + "/data/live.conf") == "new live\n")
            #expect(readText(directory + "/data/missing.conf") == "new dangling\n")
            #expect(
                Self.tree(directory) == [
                    "dangling.conf", "data", "data/live.conf", "data/missing.conf", "live.conf",
                ])
        }
    }

    /// Destinations refused while staging, before anything is replaced.
    @Test(arguments: [
        ("a directory", "dir", "cannot write D/dir: Is a directory (nothing was changed)"),
        (
            "a FIFO", "fifo",
            "cannot write D/fifo: it is a FIFO, not a regular file (nothing was changed)"
        ),
        (
            "a link to a FIFO", "fifo-link",
            "cannot write D/fifo-link: it is a FIFO, not a regular file (nothing was changed)"
        ),
        (
            "below a file", "file/x.conf",
            "cannot write D/file/x.conf: Not a directory (nothing was changed)"
        ),
        (
            "the same file as an earlier output", "alias.conf",
            "D/alias.conf: the same file as the output D/file (two inputs would render to one output)"
        ),
        (
            "the same file spelled differently", ".//file",
            "D/.//file: the same file as the output D/file (two inputs would render to one output)"
        ),
    ])
    func aDestinationIsRefusedBeforeAnythingIsReplaced(
        _ behaviour: String, _ name: String, _ message: String
    ) throws {
        try withDirectory { directory in
            mkdir(directory + "/dir", 0o755)
            mkfifo(directory + "/fifo", 0o644)
            symlink("fifo", directory + "/fifo-link")
            writeFile(directory + "/file", "old\n")
            symlink("file", directory + "/alias.conf")
            let transaction = OutputTransaction()
            try Self.put(transaction, directory + "/file", "new\n")
            do {
                _ = try transaction.stage(directory + "/" + name)
                Issue.record("\(behaviour): staged")
            } catch let error as TemplaterError {
                #expect(
                    error.description
                        == message.replacingOccurrences(of: "D/", with: directory + "/"),
                    "\(behaviour)")
            } catch {
                Issue.record("\(behaviour): \(error)")
            }
            try transaction.rollback()
            #expect(readText(directory + "/file") == "old\n")
            #expect(
                Self.tree(directory) == ["alias.conf", "dir", "fifo", "fifo-link", "file"],
                "\(behaviour)")
        }
    }

    @Test func aTransactionDroppedBeforeItsCommitLeavesNothing() throws {
        try withDirectory { directory in
            writeFile(directory + "/a.conf", "old\n")
            do {
                let transaction = OutputTransaction()
                try Self.put(transaction, directory + "/a.conf", "new\n")
                try Self.put(transaction, directory + "/x/y/b.conf", "new\n")
            }
            #expect(readText(directory + "/a.conf") == "old\n")
            #expect(Self.tree(directory) == ["a.conf"])
        }
    }
}
