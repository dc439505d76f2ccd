// Descriptors: opening, reading, writing, syncing and locking files by descriptor; every descriptor
// is opened with O_CLOEXEC, every call retries on EINTR and throws a `SystemError`.

internal import Glibc

/// How `openFile` opens a file: the `open(2)` flags callers use, so that they need no libc constant.
public struct OpenMode: Sendable {
    let flags: Int32

    /// `O_RDONLY`.
    public static let read = OpenMode(flags: O_RDONLY)
    /// `O_RDONLY | O_NONBLOCK`: opening a FIFO without a writer does not block, nor do its reads.
    public static let readNonBlocking = OpenMode(flags: O_RDONLY | O_NONBLOCK)
    /// `O_RDWR | O_CREAT`: read and write, created when missing.
    public static let readWriteCreating = OpenMode(flags: O_RDWR | O_CREAT)
    /// `O_WRONLY | O_CREAT | O_EXCL`: a new file, EEXIST when the name is taken.
    public static let createNew = OpenMode(flags: O_WRONLY | O_CREAT | O_EXCL)
}

/// `open(2)` with `O_CLOEXEC` added; `permissions` are those of a file it creates (before the umask).
public func openFile(_ path: String, _ mode: OpenMode, permissions: UInt32 = 0o644)
    throws(SystemError) -> Int32
{
    try retryingOnInterrupt("open(\(path))") { open(path, mode.flags | O_CLOEXEC, permissions) }
}

/// `close(2)`; errors are ignored because Linux releases the descriptor even when close fails.
public func closeFile(_ fd: Int32) {
    _ = close(fd)
}

/// Writes all of `bytes` to `fd` with `write(2)`, retrying short writes and `EINTR`.
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: @autoclosure () -> String)
    throws(SystemError)
{
    guard var base = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
        let n = try retryingOnInterrupt("write(\(name()))") { write(fd, base, left) }
        base += n
        left -= n
    }
}

/// Writes all bytes of `text` to `fd`.
public func writeAll(_ fd: Int32, _ text: String, name: @autoclosure () -> String)
    throws(SystemError)
{
    try withUTF8Bytes(text) { (bytes) throws(SystemError) in try writeAll(fd, bytes, name: name()) }
}

/// Reads up to `count` bytes into `buffer` with `read(2)`; 0 means end of file.
public func readSome(
    _ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, name: @autoclosure () -> String
)
    throws(SystemError) -> Int
{
    try retryingOnInterrupt("read(\(name()))") { read(fd, buffer, count) }
}

/// Reads the whole file at `path` (a regular file, a FIFO or a device) into memory.
public func readWholeFile(_ path: String) throws(SystemError) -> [UInt8] {
    let fd = try openFile(path, .read)
    defer { closeFile(fd) }
    return try readToEnd(fd, name: path)
}

/// Reads `fd` until end of file.
public func readToEnd(_ fd: Int32, name: @autoclosure () -> String) throws(SystemError) -> [UInt8] {
    var result: [UInt8] = []
    let chunk = 64 * 1024
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let n = try readSome(
            fd, into: buffer.baseAddress.unsafelyUnwrapped, count: chunk, name: name())
        if n == 0 { return result }
        result.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }
}

/// One `read(2)` of up to `count` bytes from the non-blocking `fd` into `buffer`: how many, 0 at end
/// of file; nil when nothing is there now (EAGAIN).
public func readAvailable(
    _ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, name: @autoclosure () -> String
) throws(SystemError) -> Int? {
    while true {
        let n = read(fd, buffer, count)
        if n >= 0 { return n }
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK { return nil }
        if code != EINTR { throw SystemError(errno: code, operation: "read(\(name()))") }
    }
}

/// `pread(2)`: up to `count` bytes at `offset`; 0 at end of file.
public func readSome(
    _ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int, name: String
) throws(SystemError) -> Int {
    try retryingOnInterrupt("read(\(name))") { pread(fd, buffer, count, off_t(offset)) }
}

/// The contents of the regular file at `path`, at most `limit` bytes: `open(2)` with `O_NONBLOCK`
/// and `fstat(2)` first, so that a FIFO or a device named as a password file cannot stall the
/// caller (a FIFO is refused, EINVAL; a larger file too, EFBIG).
public func readSmallRegularFile(_ path: String, limit: Int = 64 * 1024) throws(SystemError)
    -> [UInt8]
{
    let fd = try openFile(path, .readNonBlocking)
    defer { closeFile(fd) }
    let status = try descriptorStatus(fd, name: path)
    guard status.isRegular else {
        throw SystemError(errno: EINVAL, operation: "read(\(path)): not a regular file")
    }
    guard status.size <= limit else {
        throw SystemError(errno: EFBIG, operation: "read(\(path)): larger than \(limit) bytes")
    }
    return try readToEnd(fd, name: path)
}

/// `fsync(2)`.
public func syncFile(_ fd: Int32, name: String) throws(SystemError) {
    _ = try retryingOnInterrupt("fsync(\(name))") { fsync(fd) }
}

/// `fchmod(2)`: `permissions` are the low 12 bits of a mode (0o7777).
public func setPermissions(_ fd: Int32, _ permissions: UInt32, name: String) throws(SystemError) {
    _ = try retryingOnInterrupt("fchmod(\(name))") { fchmod(fd, permissions) }
}

/// `fchown(2)`; a failure is ignored: an unprivileged user cannot give files away (EPERM), and
/// then the file is theirs already.
public func setOwner(_ fd: Int32, owner: UInt32, group: UInt32) {
    _ = fchown(fd, owner, group)
}

/// `flock(fd, LOCK_EX | LOCK_NB)`: true when the lock was taken, false when another holds it.
public func tryExclusiveLock(_ fd: Int32, name: String) throws(SystemError) -> Bool {
    while true {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        let code = errno
        if code == EINTR { continue }
        if code == EWOULDBLOCK { return false }
        throw SystemError(errno: code, operation: "flock(\(name))")
    }
}

// MARK: - Typed throws through untyped closures

/// Runs `body` on the bytes of `array`; `withUnsafeBytes` rethrows untyped errors, this keeps the type.
@inlinable @inline(__always)
public func withBytes<R, E: Error>(
    _ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
    let result: Result<R, E> = array.withUnsafeBytes { raw in
        do throws(E) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// Runs `body` on the UTF-8 bytes of `text`, keeping the error type.
@inlinable @inline(__always)
public func withUTF8Bytes<R, E: Error>(
    _ text: String, _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
    var text = text
    let result: Result<R, E> = text.withUTF8 { utf8 in
        do throws(E) { return .success(try body(UnsafeRawBufferPointer(utf8))) } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
