import Glibc
import Platform

/// An address to connect to (IPv4, IPv6 or a Unix socket path) as the kernel takes it, with its text
/// for messages: `127.0.0.1:5432`, `[::1]:5432`, `/run/app.sock`.
struct SocketAddress: Sendable, CustomStringConvertible {
    /// The `sockaddr_*` bytes.
    var storage: sockaddr_storage
    /// How many of them are meaningful.
    var length: socklen_t
    /// The numeric address and port, or the socket path.
    var description: String

    /// `AF_INET`, `AF_INET6` or `AF_UNIX`.
    var family: Int32 { Int32(storage.ss_family) }
}
