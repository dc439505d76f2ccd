// The Glibc calls left in the WaitFor target: the file checks of `file://` targets and of Redis
// password files. Sockets, polling, name resolution and threads are Platform's.

import Glibc
import Platform

/// `stat(2)` of `path`: 0 when it exists, else the errno.
func fileStatus(_ path: String) -> Int32 {
    var info = stat()
    return stat(path, &info) == 0 ? 0 : errno
}

/// The contents of the regular file at `path`, at most `limit` bytes: `open(2)` with `O_NONBLOCK`
/// and `fstat(2)` first, so that a FIFO or a device named as a password file cannot stall the wait
/// loop's thread (a FIFO is refused, EINVAL; a larger file too, EFBIG).
func readSmallRegularFile(_ path: String, limit: Int = 64 * 1024) throws(SystemError) -> [UInt8] {
    let fd = try openFile(path, O_RDONLY | O_NONBLOCK)
    defer { closeFile(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
        throw SystemError(errno: errno, operation: "fstat(\(path))")
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
        throw SystemError(errno: EINVAL, operation: "read(\(path)): not a regular file")
    }
    guard Int(info.st_size) <= limit else {
        throw SystemError(errno: EFBIG, operation: "read(\(path)): larger than \(limit) bytes")
    }
    return try readToEnd(fd, name: path)
}
