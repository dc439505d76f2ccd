// Sockets: the non-blocking stream sockets of the readiness probes. Every socket is opened with
// SOCK_NONBLOCK | SOCK_CLOEXEC, connected without blocking (connect, poll for writable, SO_ERROR:
// NIO's `finishConnect`), and sent to with MSG_NOSIGNAL, so a closed peer never raises SIGPIPE.

internal import Glibc

// MARK: - Addresses

/// An address to connect to (IPv4, IPv6 or a Unix socket path) as the kernel takes it, with its text
/// for messages: `127.0.0.1:5432`, `[::1]:5432`, `/run/app.sock`.
///
/// Made by `resolve`, `numericAddresses` and `unixSocketAddress`; the `sockaddr` bytes stay inside
/// Platform.
public struct SocketAddress: Sendable, CustomStringConvertible {
    /// The `sockaddr_in`, `sockaddr_in6` or `sockaddr_un` bytes.
    var storage: sockaddr_storage
    /// How many of them are meaningful.
    var length: socklen_t
    /// The numeric address and port, or the socket path.
    public let description: String

    init(storage: sockaddr_storage, length: socklen_t, description: String) {
        self.storage = storage
        self.length = length
        self.description = description
    }

    /// `AF_INET`, `AF_INET6` or `AF_UNIX`.
    var family: Int32 { Int32(storage.ss_family) }

    /// Whether this is a Unix socket path (`AF_UNIX`), where TCP options do not apply.
    public var isUnixSocket: Bool { family == AF_UNIX }
}

/// The Unix socket address of `path` (`sockaddr_un`); a path longer than the 107 bytes `sun_path`
/// holds is cut there (the target parser refuses such paths before).
public func unixSocketAddress(_ path: String) -> SocketAddress {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8.prefix(107))
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
    }
    var storage = sockaddr_storage()
    withUnsafeMutableBytes(of: &storage) { target in
        withUnsafeBytes(of: &address) { target.copyMemory(from: $0) }
    }
    let length = MemoryLayout<sa_family_t>.size + bytes.count + 1
    return SocketAddress(storage: storage, length: socklen_t(length), description: path)
}

/// Whether `text` is an IPv6 address, by `inet_pton(3)` with `AF_INET6`.
public func isIPv6Address(_ text: String) -> Bool {
    var address = in6_addr()
    return inet_pton(AF_INET6, text, &address) == 1
}

// MARK: - Connecting

/// How far a non-blocking connect got.
public enum ConnectProgress: Sendable, Equatable {
    /// The connection is established.
    case connected
    /// The connection is under way: poll the socket for `.writable`, then ask `connectProgress`.
    case inProgress
}

/// `socket(2)`: a non-blocking, close-on-exec stream socket of the family of `address`.
///
/// - Throws: `SystemError` of `socket` (EMFILE, ENFILE, EAFNOSUPPORT when the kernel has no IPv6...).
public func makeStreamSocket(for address: SocketAddress) throws(SystemError) -> Int32 {
    let type =
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        | Int32(SOCK_CLOEXEC.rawValue)
    return try retryingOnInterrupt("socket") { socket(address.family, type, 0) }
}

/// `connect(2)` of the non-blocking socket `fd` to `address`: `.connected` at once (a Unix socket
/// usually is), or `.inProgress` (`EINPROGRESS`).
///
/// EINTR is not retried: on a non-blocking socket the connection goes on in the background, as for
/// EINPROGRESS, and a second `connect` would only fail with EALREADY.
///
/// - Throws: `SystemError` of `connect(ADDRESS)`: ECONNREFUSED, ENETUNREACH, and for a Unix socket
///   ENOENT, or EAGAIN when the listener's backlog is full.
public func startConnect(_ fd: Int32, to address: SocketAddress) throws(SystemError)
    -> ConnectProgress
{
    var storage = address.storage
    let result = withUnsafePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, address.length)
        }
    }
    if result == 0 { return .connected }
    let code = errno
    if code == EINPROGRESS || code == EINTR { return .inProgress }
    throw SystemError(errno: code, operation: "connect(\(address))")
}

/// `getsockopt(SO_ERROR)`: the outcome of the non-blocking connect of `fd` to `address`, once `poll`
/// reported the socket: `.connected`, or `.inProgress` while the error pending is still EINPROGRESS
/// or EALREADY.
///
/// - Throws: the pending error as a `SystemError` of `connect(ADDRESS)` (ECONNREFUSED,
///   ETIMEDOUT, EHOSTUNREACH...), or the failure of `getsockopt` itself under the same name.
public func connectProgress(_ fd: Int32, to address: SocketAddress) throws(SystemError)
    -> ConnectProgress
{
    var code: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = errno }
    if code == 0 { return .connected }
    if code == EINPROGRESS || code == EALREADY { return .inProgress }
    throw SystemError(errno: code, operation: "connect(\(address))")
}

/// `setsockopt(TCP_NODELAY)` on the TCP socket `fd`: small probe requests go out at once instead of
/// waiting for the acknowledgement of the previous segment (Nagle's algorithm).
///
/// - Throws: `SystemError` of `setsockopt(TCP_NODELAY)` (EOPNOTSUPP on a Unix socket).
public func disableNagle(_ fd: Int32) throws(SystemError) {
    var on: Int32 = 1
    let length = socklen_t(MemoryLayout<Int32>.size)
    _ = try retryingOnInterrupt("setsockopt(TCP_NODELAY)") {
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, length)
    }
}

// MARK: - Sending and receiving

/// One `send(2)` of `bytes` on the non-blocking socket `fd`, with `MSG_NOSIGNAL` (a closed peer
/// gives EPIPE, never SIGPIPE); EINTR is retried.
///
/// - Returns: how many bytes were written: maybe fewer than `bytes.count`, and 0 when the socket
///   buffer is full (EAGAIN: poll for `.writable` and send the rest).
/// - Throws: `SystemError` of `send(NAME)`: EPIPE, ECONNRESET...
public func send(_ fd: Int32, _ bytes: ArraySlice<UInt8>, name: @autoclosure () -> String)
    throws(SystemError) -> Int
{
    while true {
        let n = bytes.withUnsafeBytes {
            Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
        if n >= 0 { return n }
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK { return 0 }
        if code != EINTR { throw SystemError(errno: code, operation: "send(\(name()))") }
    }
}

/// One `recv(2)` of up to 4 KiB from the non-blocking socket `fd`; EINTR is retried.
///
/// - Returns: the bytes, empty at end of stream (the peer closed); nil when nothing is there now
///   (EAGAIN: poll for `.readable`).
/// - Throws: `SystemError` of `recv(NAME)`: ECONNRESET, ETIMEDOUT...
public func receive(_ fd: Int32, name: @autoclosure () -> String) throws(SystemError) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n >= 0 { return Array(buffer[0..<n]) }
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK { return nil }
        if code != EINTR { throw SystemError(errno: code, operation: "recv(\(name()))") }
    }
}
