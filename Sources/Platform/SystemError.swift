// The one error convention of the Platform wrappers: a call that fails throws a `SystemError` naming
// the C function and what it worked on; EINTR is retried where it is seen.

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

// The conditions callers name, so that they need no libc constant.
extension SystemError {
    /// An `errno` value by name.
    public struct Condition: Equatable, Sendable {
        let errno: Int32

        /// EINTR: interrupted (here also: given up because SIGTERM/SIGINT arrived).
        public static let interrupted = Condition(errno: EINTR)
        /// EIO: an input/output error.
        public static let inputOutput = Condition(errno: EIO)
        /// ENOENT: no such file or directory.
        public static let notFound = Condition(errno: ENOENT)
        /// EISDIR: a directory where a file was needed.
        public static let isDirectory = Condition(errno: EISDIR)
        /// ENOTDIR: something else where a directory was needed.
        public static let notDirectory = Condition(errno: ENOTDIR)
        /// ELOOP: too many symbolic links, or a directory tree that contains itself.
        public static let loop = Condition(errno: ELOOP)
        /// EACCES: permission denied.
        public static let accessDenied = Condition(errno: EACCES)
        /// EPERM: operation not permitted.
        public static let notPermitted = Condition(errno: EPERM)
        /// EMLINK: too many links.
        public static let tooManyLinks = Condition(errno: EMLINK)
        /// EOPNOTSUPP: not supported (by this file system).
        public static let notSupported = Condition(errno: EOPNOTSUPP)
    }

    /// An error for `operation` that failed with `condition`.
    public init(_ condition: Condition, operation: String) {
        self.init(errno: condition.errno, operation: operation)
    }

    /// Whether the error is one of `conditions`.
    public func matches(_ conditions: Condition...) -> Bool {
        conditions.contains { $0.errno == errno }
    }

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
