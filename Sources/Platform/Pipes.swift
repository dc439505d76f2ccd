// Pipes: the self-pipe of the signal handlers, the wake-up pipe of the resolver thread and the
// output of a `--reload-check`.

internal import CPlatform
internal import Glibc

/// `pipe2(2)` with both ends close-on-exec and non-blocking: (read, write).
///
/// `blockingWriteEnd` leaves the write end blocking, for a pipe whose write end a child inherits as
/// its standard output or error (`dup2` copies it without close-on-exec): O_NONBLOCK belongs to the
/// open file, which the child shares, and a program that writes to a full non-blocking pipe gets
/// EAGAIN instead of waiting for the reader.
public func makePipe(blockingWriteEnd: Bool = false) throws(SystemError) -> (
    read: Int32, write: Int32
) {
    var fds: [Int32] = [0, 0]
    _ = try retryingOnInterrupt("pipe2") { pipe2(&fds, O_CLOEXEC | O_NONBLOCK) }
    if blockingWriteEnd {
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) & ~O_NONBLOCK)
    }
    return (fds[0], fds[1])
}

/// Reads one byte from the non-blocking `fd`; whether there was one.
public func takeByte(_ fd: Int32) -> Bool {
    var byte: UInt8 = 0
    return read(fd, &byte, 1) == 1
}

/// Writes one byte to the non-blocking `fd`: a wake-up for a poll loop (a full pipe already wakes
/// it, so a failure is ignored). Safe in a signal handler.
public func putByte(_ fd: Int32, _ value: UInt8 = 1) {
    var byte = value
    _ = write(fd, &byte, 1)
}

/// One `read(2)` of up to 4 KiB from the non-blocking `fd`: the bytes, empty at end of file; nil when
/// nothing is there now (EAGAIN).
public func readAvailable(_ fd: Int32, name: @autoclosure () -> String) throws(SystemError)
    -> [UInt8]?
{
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
    defer { chunk.deallocate() }
    let n = try readAvailable(
        fd, into: chunk.baseAddress.unsafelyUnwrapped, count: chunk.count, name: name())
    return n.map { Array(UnsafeRawBufferPointer(rebasing: chunk[0..<$0])) }
}
