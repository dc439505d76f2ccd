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
