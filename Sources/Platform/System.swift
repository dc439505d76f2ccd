// The Platform wrappers for descriptors and files:
// small functions that retry on EINTR and open every descriptor with O_CLOEXEC. Exec.swift holds the
// exec and program-search calls, SignalPipe.swift the signal handlers.

internal import Glibc

/// Calls `body` until it stops failing with `EINTR`; returns its result, or throws a `SystemError`
/// naming `operation` (the C function and its argument, e.g. `open(/etc/nginx/nginx.conf)`).
///
/// Gives up with `EINTR` instead when SIGTERM/SIGINT arrived while `SignalPipe.abortsBlockingCalls`.
@inline(__always)
public func retryingOnInterrupt<T: BinaryInteger>(
    _ operation: @autoclosure () -> String, _ body: () -> T
) throws(SystemError) -> T {
    while true {
        if SignalPipe.shouldAbort { throw SystemError(errno: EINTR, operation: operation()) }
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(errno: code, operation: operation())
    }
}

/// The text of `strerror(code)`.
public func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

// MARK: - Descriptors

/// `open(2)` with `O_CLOEXEC` added to `flags`.
public func openFile(_ path: String, _ flags: Int32, mode: UInt32 = 0o644) throws(SystemError)
    -> Int32
{
    try retryingOnInterrupt("open(\(path))") { open(path, flags | O_CLOEXEC, mode) }
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
    let fd = try openFile(path, O_RDONLY)
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
