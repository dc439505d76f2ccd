import Foundation
import Platform
import TestSupport
import Testing

@testable import Entrypoint

@Suite struct HooksDirectoryTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
    }

    @Test func executableFilesInVersionOrder() throws {
        let directory = Paths.temporaryDirectory("hooks")
        defer { Paths.removeTree(directory) }
        for name in ["10-migrate.sh", "9-seed.sh", "2-check", "20-static.sh"] {
            writeFile(directory + "/" + name, "#!/bin/sh\n", mode: 0o755)
        }
        writeFile(directory + "/15-notes.txt", "not a hook\n", mode: 0o644)
        writeFile(directory + "/.hidden.sh", "#!/bin/sh\n", mode: 0o755)
        mkdir(directory + "/30-subdir", 0o755)
        symlink(directory + "/2-check", directory + "/40-link")

        let collected = Lines()
        let log = Log(level: .debug) { level, message in
            collected.lines.append("\(level.name): \(message)")
        }
        let hooks = try HooksDirectory.hooks(in: directory + "/", log: log)
        #expect(
            hooks.map(\.name)
                == ["2-check", "9-seed.sh", "10-migrate.sh", "20-static.sh", "40-link"].map {
                    directory + "/" + $0
                })
        #expect(hooks.allSatisfy { $0.arguments == [$0.name] })
        #expect(collected.lines == ["warning: ignoring \(directory)/15-notes.txt: not executable"])
    }

    @Test func aMissingDirectoryIsAnInputError() {
        let log = Log(level: .debug) { _, _ in }
        #expect(
            throws: EntrypointError.input(
                path: "/nonexistent/hooks",
                SystemError(errno: ENOENT, operation: "opendir(/nonexistent/hooks)"))
        ) {
            try HooksDirectory.hooks(in: "/nonexistent/hooks", log: log)
        }
    }

    /// `readdir` failing part-way (EIO from a failing volume, after `opendir` succeeded and some
    /// entries were read): the listing is an input error naming the directory, not fewer hooks.
    @Test func aListingThatFailsPartWayIsAnInputError() throws {
        let directory = Paths.temporaryDirectory("hooks")
        defer { Paths.removeTree(directory) }
        for name in ["10-a.sh", "20-b.sh", "30-c.sh"] {
            writeFile(directory + "/" + name, "#!/bin/sh\n", mode: 0o755)
        }
        let stream = try DirectoryStream(directory)
        var read = 0
        let log = Log(level: .debug) { _, _ in }
        #expect(
            throws: EntrypointError.input(
                path: directory, SystemError(errno: EIO, operation: "readdir(\(directory))"))
        ) {
            try HooksDirectory.hooks(listing: stream, log: log) { stream throws(SystemError) in
                read += 1
                if read <= 3 { return try stream.next() }
                throw SystemError(errno: EIO, operation: "readdir(\(stream.path))")
            }
        }
        #expect(read == 4)
    }
}
