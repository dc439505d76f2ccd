import Foundation
import Platform
import Templater
import TestSupport
import Testing

/// `InputFile.read`: whole-file reads of secrets and env files, bounded and interruptible.
@Suite struct InputFileTests {
    /// A temporary directory for `body`, removed afterwards.
    func withDirectory(_ body: (String) throws -> Void) rethrows {
        let directory = Paths.temporaryDirectory("inputfile")
        defer { Paths.removeTree(directory) }
        try body(directory)
    }

    @Test(arguments: [
        ("a file under the limit is read whole", 10, 10, nil as String?),
        ("a file at the limit is read whole", 16, 16, nil),
        (
            "a file over the limit is refused", 17, 16,
            "cannot read P (X_FILE): larger than the limit of 16 bytes"
        ),
    ])
    func regularFilesAreBoundedBySize(
        _ behaviour: String, _ size: Int, _ limit: Int, _ message: String?
    ) {
        withDirectory { directory in
            let path = directory + "/f"
            writeFile(path, bytes: [UInt8](repeating: 0x41, count: size))
            do {
                let bytes = try InputFile.read(path, label: "X_FILE", limit: limit)
                #expect(message == nil, "\(behaviour)")
                #expect(bytes.count == size, "\(behaviour)")
            } catch {
                #expect(
                    "\(error)" == message?.replacingOccurrences(of: "P", with: path),
                    "\(behaviour)")
            }
        }
    }

    @Test func anEndlessDeviceStopsAtTheLimitPlusOne() {
        #expect(
            throws: TemplaterError.inputTooLarge(path: "/dev/zero (--env-file)", limit: 1000)
        ) { try InputFile.read("/dev/zero", label: "--env-file", limit: 1000) }
    }

    @Test func aDirectoryAndAMissingFileAreInputErrors() {
        withDirectory { directory in
            #expect(
                throws: TemplaterError.input(
                    path: directory, SystemError(errno: EISDIR, operation: "read(\(directory))"))
            ) { try InputFile.read(directory, label: nil) }
            do {
                _ = try InputFile.read(directory + "/none", label: "DB_PASSWORD_FILE")
                Issue.record("read a missing file")
            } catch {
                #expect(
                    "\(error)"
                        == "cannot read \(directory)/none (DB_PASSWORD_FILE): No such file or directory"
                )
            }
        }
    }

    /// A FIFO opened before its writer: the read waits for the writer instead of seeing an empty
    /// file, and takes everything it writes, in pieces, until it closes.
    @Test func aFIFOIsReadFromItsWriterInPieces() throws {
        try withDirectory { directory in
            let fifo = directory + "/fifo"
            mkfifo(fifo, 0o600)
            let writer = Thread {
                usleep(50_000)
                let fd = open(fifo, O_WRONLY)
                _ = "sec".withCString { write(fd, $0, 3) }
                usleep(20_000)
                _ = "ret\n".withCString { write(fd, $0, 4) }
                close(fd)
            }
            writer.start()
            let bytes = try InputFile.read(fifo, label: "X_FILE")
            #expect(String(decoding: bytes, as: UTF8.self) == "secret\n")
        }
    }
}
