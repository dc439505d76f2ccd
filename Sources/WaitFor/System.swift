// All Glibc calls of the WaitFor target: non-blocking sockets (SOCK_NONBLOCK | SOCK_CLOEXEC on every
// descriptor), poll, stat, name resolution on a helper thread, and the wall clock for JSON logs.

import Glibc
import Platform

// MARK: - Sockets

/// `socket(2)`: a non-blocking, close-on-exec stream socket of `family`.
func makeStreamSocket(family: Int32) throws(SystemError) -> Int32 {
    let type =
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        | Int32(SOCK_CLOEXEC.rawValue)
    return try retryingOnInterrupt("socket") { socket(family, type, 0) }
}

/// `connect(2)` on a non-blocking socket: 0 when connected at once, else the errno (`EINPROGRESS`
/// means: poll for `POLLOUT`, then read `SO_ERROR`).
func startConnect(_ fd: Int32, to address: SocketAddress) -> Int32 {
    var storage = address.storage
    let result = withUnsafePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, address.length)
        }
    }
    if result == 0 { return 0 }
    // EINTR on a non-blocking connect means it goes on in the background, as EINPROGRESS does.
    return errno == EINTR ? EINPROGRESS : errno
}

/// `getsockopt(SO_ERROR)`: the outcome of a non-blocking connect (0: connected).
func pendingSocketError(_ fd: Int32) -> Int32 {
    var code: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { return errno }
    return code
}

/// `setsockopt(TCP_NODELAY)`: small probe requests go out at once.
func disableNagle(_ fd: Int32) {
    var on: Int32 = 1
    _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
}

/// `send(2)` with `MSG_NOSIGNAL` (a closed peer gives EPIPE, never SIGPIPE): the bytes written, or
/// the negated errno (`-EAGAIN` when the socket buffer is full).
func sendSome(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Int {
    while true {
        let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n >= 0 { return n }
        if errno != EINTR { return -Int(errno) }
    }
}

/// `recv(2)` of up to 4 KiB: the bytes (empty at end of file), or the errno.
func receiveSome(_ fd: Int32) -> Result<[UInt8], SystemError> {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n >= 0 { return .success(Array(buffer[0..<n])) }
        if errno != EINTR { return .failure(SystemError(errno: errno, operation: "recv")) }
    }
}

/// `poll(2)` over `descriptors` for up to `milliseconds` (-1: forever); EINTR counts as a wake-up.
func pollDescriptors(_ descriptors: inout [pollfd], milliseconds: Int32) {
    let count = nfds_t(descriptors.count)
    _ = descriptors.withUnsafeMutableBufferPointer { poll($0.baseAddress, count, milliseconds) }
}

// MARK: - Addresses

/// Whether `text` is an IPv6 address (`inet_pton(AF_INET6)`).
func isIPv6Address(_ text: String) -> Bool {
    var address = in6_addr()
    return inet_pton(AF_INET6, text, &address) == 1
}

/// The Unix socket address of `path` (at most 107 bytes, checked when the target is parsed).
func unixSocketAddress(_ path: String) -> SocketAddress {
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

/// Copies a `sockaddr` of `length` bytes into a `SocketAddress` with its numeric text.
private func socketAddress(_ address: UnsafePointer<sockaddr>, length: socklen_t) -> SocketAddress {
    var storage = sockaddr_storage()
    withUnsafeMutableBytes(of: &storage) { target in
        target.copyMemory(
            from: UnsafeRawBufferPointer(
                start: UnsafeRawPointer(address),
                count: min(Int(length), MemoryLayout<sockaddr_storage>.size)))
    }
    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
    var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
    let flags = NI_NUMERICHOST | NI_NUMERICSERV
    let code = getnameinfo(
        address, length, &host, socklen_t(host.count), &service, socklen_t(service.count), flags)
    let description =
        code == 0
        ? Target.authority(string(host), UInt16(string(service)) ?? 0) : "?"
    return SocketAddress(storage: storage, length: length, description: description)
}

/// The text of a NUL-terminated C buffer.
private func string(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// `getaddrinfo(3)` for a stream socket to `host:port`, every family (no `AI_ADDRCONFIG`: a
/// container with only loopback IPv6 must still try `::1`). With `numericOnly` it never blocks and
/// fails with `EAI_NONAME` for a name.
func resolve(_ host: String, port: UInt16, numericOnly: Bool) -> Result<
    [SocketAddress], ResolutionError
> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_NUMERICSERV | (numericOnly ? AI_NUMERICHOST : 0)
    var list: UnsafeMutablePointer<addrinfo>?
    let code = getaddrinfo(host, String(port), &hints, &list)
    guard code == 0 else {
        let text = code == EAI_SYSTEM ? errorText(errno) : String(cString: gai_strerror(code))
        return .failure(ResolutionError(host: host, code: code, text: text))
    }
    defer { freeaddrinfo(list) }
    var addresses: [SocketAddress] = []
    var entry = list
    while let current = entry {
        if let address = current.pointee.ai_addr {
            let candidate = socketAddress(address, length: current.pointee.ai_addrlen)
            if !addresses.contains(where: { $0.description == candidate.description }) {
                addresses.append(candidate)
            }
        }
        entry = current.pointee.ai_next
    }
    return .success(addresses)
}

// MARK: - Threads and pipes

/// A close-on-exec, non-blocking pipe: (read, write).
func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    _ = try retryingOnInterrupt("pipe") { pipe(&fds) }
    for fd in fds {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }
    return (fds[0], fds[1])
}

/// Reads one byte from the non-blocking `fd`; whether there was one.
func takeByte(_ fd: Int32) -> Bool {
    var byte: UInt8 = 0
    return read(fd, &byte, 1) == 1
}

/// Writes one byte to `fd` (a wake-up for a poll loop).
func putByte(_ fd: Int32) {
    var byte: UInt8 = 1
    _ = write(fd, &byte, 1)
}

/// Starts a detached thread running `body(argument)` with every signal blocked, so that signals
/// are handled on the main thread (whose `poll` they must interrupt) and never interrupt the
/// thread's blocking call.
func startDetachedThread(
    _ body: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?,
    argument: UnsafeMutableRawPointer
) throws(SystemError) {
    var all = sigset_t()
    sigfillset(&all)
    var saved = sigset_t()
    pthread_sigmask(SIG_SETMASK, &all, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    // getaddrinfo needs little stack; 256 KiB keeps many stuck resolutions cheap.
    pthread_attr_setstacksize(&attributes, 256 * 1024)
    var thread = pthread_t()
    let code = pthread_create(&thread, &attributes, body, argument)
    if code != 0 { throw SystemError(errno: code, operation: "pthread_create") }
}
