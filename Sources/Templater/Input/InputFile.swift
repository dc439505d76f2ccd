import Platform

/// Whole-file reads of the inputs a run holds in memory — `_FILE` secrets, `--env-file`s, and any
/// other small file read whole (a `--secrets-dir` entry) — bounded in size and interruptible.
///
/// A template is streamed instead (`ByteInput`): it has no size limit.
///
/// - The file is opened with `O_NONBLOCK`, so opening a FIFO never blocks; reading then waits in
///   `poll(2)`, together with `SignalPipe`'s descriptor, until a writer sends bytes or closes: a
///   SIGTERM or SIGINT ends the wait at once (`EINTR`), whatever `SA_RESTART` says.
/// - At most `limit` bytes are read: a regular file larger than that is refused before any read, and
///   anything else (a FIFO, `/dev/zero`, `/dev/urandom`) when its `limit + 1`-th byte arrives, so
///   memory never grows past the limit.
public enum InputFile {
    /// The default limit, 8 MiB: far above any secret or `.env` file (the fault table renders a
    /// 1 MiB value from each in full), far below what would exhaust a container's memory.
    public static let sizeLimit = 8 << 20

    /// The bytes of the file at `path`. `label` is the variable or flag that named it
    /// (`DB_PASSWORD_FILE`, `--env-file`), shown in messages as `PATH (LABEL)`.
    ///
    /// Throws `.input` (66) when it cannot be opened or read, or when a SIGTERM/SIGINT arrived while
    /// it waited (`EINTR`: the caller tells the signal from `SignalPipe.abortSignal`), and
    /// `.inputTooLarge` (66) past `limit`.
    public static func read(_ path: String, label: String?, limit: Int = sizeLimit)
        throws(TemplaterError) -> [UInt8]
    {
        let shown = label.map { "\(path) (\($0))" } ?? path
        do {
            let fd = try openFile(path, .readNonBlocking)
            defer { closeFile(fd) }
            let status = try descriptorStatus(fd, name: path)
            if status.isDirectory { throw SystemError(.isDirectory, operation: "read(\(path))") }
            if status.isRegular && status.size > limit {
                throw TemplaterError.inputTooLarge(path: shown, limit: limit)
            }
            // A FIFO without a writer reads as empty under O_NONBLOCK: wait for one first.
            if status.kind == .fifo { try waitUntilReadable(fd, path: path) }
            return try readAll(fd, path: path, shown: shown, limit: limit)
        } catch let error as SystemError {
            throw .input(path: shown, error)
        } catch let error as TemplaterError {
            throw error
        } catch {
            throw .input(path: shown, SystemError(.inputOutput, operation: "read(\(path))"))
        }
    }

    /// Reads `fd` to its end, at most `limit` bytes.
    private static func readAll(_ fd: Int32, path: String, shown: String, limit: Int) throws
        -> [UInt8]
    {
        var result: [UInt8] = []
        let chunk = 64 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let wanted = min(chunk, limit + 1 - result.count)
            guard
                let n = try readAvailable(
                    fd, into: buffer.baseAddress.unsafelyUnwrapped, count: wanted, name: path)
            else {
                try waitUntilReadable(fd, path: path)
                continue
            }
            if n == 0 { return result }
            result.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            if result.count > limit {
                throw TemplaterError.inputTooLarge(path: shown, limit: limit)
            }
        }
    }

    /// Waits for `fd` to have bytes or an end, or for SIGTERM/SIGINT (then `EINTR`).
    ///
    /// The signal pipe's byte is left for its owner (the entrypoint's `Interruption`); only the
    /// handler's record (`SignalPipe.abortSignal`) is read. Should other signals' bytes keep the pipe
    /// readable, the wait goes on in 50 ms steps without it.
    private static func waitUntilReadable(_ fd: Int32, path: String) throws(SystemError) {
        var watchPipe = SignalPipe.readDescriptor >= 0
        while true {
            if SignalPipe.abortSignal != nil {
                throw SystemError(.interrupted, operation: "read(\(path))")
            }
            var requests = [PollRequest(fd), PollRequest(SignalPipe.readDescriptor)]
            if !watchPipe { requests.removeLast() }
            try poll(&requests, milliseconds: watchPipe ? -1 : 50)
            if !requests[0].returned.isEmpty { return }
            if watchPipe && !requests[1].returned.isEmpty && SignalPipe.abortSignal == nil {
                watchPipe = false
            }
        }
    }
}
