// Sockets that tests control: a port that refuses until the test says listen, a listener whose
// backlog is full (SYNs are dropped: connects hang), Unix sockets, and a stub server on its own thread
// that answers every connection with scripted bytes (HTTP statuses, a MySQL error packet, ...).

#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket bound to a free loopback port, listening only when the test says so.
///
/// While bound and not listening, connections to the port are refused, and no other process can
/// take the port: a late server without races.
public final class TestListener: @unchecked Sendable {
    /// The socket.
    public let descriptor: Int32
    /// The bound port.
    public let port: UInt16
    /// `127.0.0.1` or `::1`.
    public let host: String
    private var accepted: [Int32] = []

    /// Binds a socket to a free port on `host` (`127.0.0.1` or `::1`) without listening.
    public init(host: String = "127.0.0.1") throws {
        let family = host.contains(":") ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SpawnError(message: "socket: \(errnoText())") }
        var storage = sockaddr_storage()
        var length: socklen_t
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeBytes(of: &address) { raw in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, host, &address.sin_addr)
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeBytes(of: &address) { raw in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) }
            }
        }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            close(fd)
            throw SpawnError(message: "bind(\(host)): \(errnoText())")
        }
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = withUnsafeBytes(of: &storage) { raw -> UInt16 in
            // sin_port and sin6_port both sit at offset 2, in network order.
            UInt16(raw[2]) << 8 | UInt16(raw[3])
        }
        self.descriptor = fd
        self.port = port
        self.host = host
    }

    deinit {
        for fd in accepted { close(fd) }
        close(descriptor)
    }

    /// `host:port`, with brackets for IPv6.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Starts listening with `backlog`.
    public func listen(backlog: Int32 = 64) {
        _ = Glibc.listen(descriptor, backlog)
    }

    /// Makes the port drop SYNs: listens with backlog 0 and fills the accept queue with one
    /// connection that is never accepted. Linux then drops every further SYN (a full accept queue
    /// never answers), so connects hang as with a black-holed host.
    public func dropSYNs() throws {
        _ = Glibc.listen(descriptor, 0)
        let filler = try TestListener.connect(host: host, port: port)
        accepted.append(filler)
    }

    /// A blocking connection to `host:port` (to fill a backlog).
    static func connect(host: String, port: UInt16) throws -> Int32 {
        let family = host.contains(":") ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var result: Int32 = -1
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard result == 0 else {
            close(fd)
            throw SpawnError(message: "connect(\(host):\(port)): \(errnoText())")
        }
        return fd
    }
}

/// A listening Unix socket at `path`, created when the test wants it to appear.
public final class UnixListener: @unchecked Sendable {
    /// The socket.
    public let descriptor: Int32
    /// Its path.
    public let path: String

    /// Creates, binds and listens on `path`.
    public init(path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            close(fd)
            throw SpawnError(message: "bind(\(path)): \(errnoText())")
        }
        descriptor = fd
        self.path = path
    }

    deinit {
        close(descriptor)
        unlink(path)
    }
}

/// A TCP server on its own thread that answers each connection with the next scripted reply (the
/// last one repeats): for HTTP, read the request first; for protocols where the server speaks first
/// (MySQL), answer at once.
public final class StubServer: @unchecked Sendable {
    /// When the reply is sent.
    public enum Turn: Sendable {
        /// After the request's blank line (`\r\n\r\n`), as an HTTP server.
        case afterRequest
        /// As soon as the connection is accepted, as a MySQL server.
        case first
    }

    private let listener: TestListener
    private let replies: [[UInt8]]
    private let turn: Turn
    private let stopPipe: (read: Int32, write: Int32)
    private var thread = pthread_t()
    private var mutex = pthread_mutex_t()
    private var served = 0

    /// The port it listens on.
    public var port: UInt16 { listener.port }
    /// `127.0.0.1:port`.
    public var address: String { listener.address }

    /// Starts serving `replies` on a free port of `host`.
    public init(host: String = "127.0.0.1", turn: Turn, replies: [[UInt8]]) throws {
        listener = try TestListener(host: host)
        self.replies = replies
        self.turn = turn
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        stopPipe = (fds[0], fds[1])
        pthread_mutex_init(&mutex, nil)
        listener.listen()
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                let server = Unmanaged<StubServer>.fromOpaque(argument).takeRetainedValue()
                server.serve()
                return nil
            }, context)
    }

    /// HTTP replies with these statuses, in order.
    public convenience init(httpStatuses: [Int]) throws {
        let replies = httpStatuses.map { status -> [UInt8] in
            let reason = status == 200 ? "OK" : status == 503 ? "Service Unavailable" : "Status"
            let text =
                "HTTP/1.1 \(status) \(reason)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            return Array(text.utf8)
        }
        try self.init(turn: .afterRequest, replies: replies)
    }

    /// How many connections got a reply.
    public var connectionsServed: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return served
    }

    /// Stops the thread and waits for it.
    public func stop() {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        pthread_join(thread, nil)
        close(stopPipe.read)
        close(stopPipe.write)
    }

    private func serve() {
        while true {
            var fds = [
                pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&fds, 2, -1)
            if fds[1].revents != 0 { return }
            let client = accept(listener.descriptor, nil, nil)
            guard client >= 0 else { continue }
            pthread_mutex_lock(&mutex)
            let reply = replies[min(served, replies.count - 1)]
            served += 1
            pthread_mutex_unlock(&mutex)
            if turn == .afterRequest { readRequest(client) }
            _ = reply.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            // Let the client read the reply before the close: wait for its end of file (bounded).
            shutdown(client, Int32(SHUT_WR))
            var pending = [pollfd(fd: client, events: Int16(POLLIN), revents: 0)]
            var buffer = [UInt8](repeating: 0, count: 4096)
            while poll(&pending, 1, 1000) > 0 {
                let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
                if n <= 0 { break }
            }
            close(client)
        }
    }

    private func readRequest(_ client: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var pending = [pollfd(fd: client, events: Int16(POLLIN), revents: 0)]
        while poll(&pending, 1, 1000) > 0 {
            let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            request += buffer[0..<n]
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { return }
        }
    }
}

/// `strerror(errno)`.
private func errnoText() -> String {
    String(cString: strerror(errno))
}
