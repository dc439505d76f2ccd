internal import Glibc

/// A failed system call: the `errno` it set and the operation that failed.
///
/// Its description reads like NIO's: `connect(db:3306): Connection refused (errno 111)`.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    /// The `errno` value the call set.
    public var errno: Int32
    /// The C function and what it worked on, e.g. `open(/etc/nginx/nginx.conf)`.
    public var operation: String

    /// Creates an error for `operation` that failed with `errno`.
    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
    }

    public var description: String {
        "\(operation): \(errorText(errno)) (errno \(errno))"
    }
}

// The conditions callers branch on, so that they need no libc constant.
extension SystemError {
    /// ENOENT: no such file or directory.
    public var isNotFound: Bool { errno == ENOENT }
    /// EEXIST: the name is taken.
    public var isAlreadyExisting: Bool { errno == EEXIST }
    /// EAGAIN (EWOULDBLOCK): a non-blocking call found nothing to do yet.
    public var wouldBlock: Bool { errno == EAGAIN || errno == EWOULDBLOCK }
    /// EPIPE: the reader of a pipe or socket went away.
    public var isBrokenPipe: Bool { errno == EPIPE }
    /// ENOSPC: no space left (for inotify: `max_user_watches` reached).
    public var isOutOfSpace: Bool { errno == ENOSPC }
}
