// Name resolution: getaddrinfo(3) for stream sockets, every address family, with numeric text for
// every address. `resolve` blocks (glibc retries an unreachable DNS server for `timeout × attempts`
// of resolv.conf): callers that must keep a deadline run it on a thread of their own
// (`startDetachedThread`) and try `numericAddresses`, which never blocks, first.

internal import Glibc

/// A failed `getaddrinfo`: `resolve(db): Name or service not known`.
///
/// Not a `SystemError`: the resolver's `EAI_*` codes are not `errno` values, and its messages are
/// `gai_strerror(3)`'s.
public struct ResolutionError: Error, Sendable, CustomStringConvertible {
    /// The name that did not resolve.
    public let host: String
    /// The `EAI_*` code.
    let code: Int32
    /// `gai_strerror(code)`, or `strerror(errno)` for `EAI_SYSTEM`.
    public let text: String

    /// `resolve(HOST): TEXT`, as a probe's "not ready" reason.
    public var description: String { "resolve(\(host)): \(text)" }
}

/// `getaddrinfo(3)` for a stream socket to `host:port`, IPv4 and IPv6 (no `AI_ADDRCONFIG`: a
/// container with only loopback IPv6 must still try `::1`). Blocks for as long as the resolver
/// takes.
///
/// - Returns: the addresses in the resolver's order, each once (one per numeric text).
/// - Throws: `ResolutionError` with the resolver's message (`Name or service not known`,
///   `Temporary failure in name resolution`, ...).
public func resolve(_ host: String, port: UInt16) throws(ResolutionError) -> [SocketAddress] {
    switch lookUp(host, port: port, flags: 0) {
    case .addresses(let addresses): return addresses
    case .failed(let error): throw error
    }
}

/// `getaddrinfo(3)` with `AI_NUMERICHOST`: the address of `host` when it is an IPv4 or IPv6 address
/// (`127.0.0.1`, `::1`), at once and without asking any resolver.
///
/// - Returns: the address with `port`, or nil when `host` is a name (`EAI_NONAME`): `resolve` it.
/// - Throws: `ResolutionError` for the other failures (`EAI_MEMORY`, `EAI_SYSTEM`...).
public func numericAddresses(_ host: String, port: UInt16) throws(ResolutionError)
    -> [SocketAddress]?
{
    switch lookUp(host, port: port, flags: AI_NUMERICHOST) {
    case .addresses(let addresses): return addresses
    case .failed(let error) where error.code == EAI_NONAME: return nil
    case .failed(let error): throw error
    }
}

/// What one `getaddrinfo` call gave (a private enum, not `Result`, so the callers keep typed throws).
private enum LookUp {
    case addresses([SocketAddress])
    case failed(ResolutionError)
}

/// `getaddrinfo(3)` of `host:port` for `SOCK_STREAM`, `AF_UNSPEC`, `AI_NUMERICSERV | flags`.
private func lookUp(_ host: String, port: UInt16, flags: Int32) -> LookUp {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_NUMERICSERV | flags
    var list: UnsafeMutablePointer<addrinfo>?
    let code = getaddrinfo(host, String(port), &hints, &list)
    guard code == 0 else {
        let text = code == EAI_SYSTEM ? errorText(errno) : String(cString: gai_strerror(code))
        return .failed(ResolutionError(host: host, code: code, text: text))
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
    return .addresses(addresses)
}

/// Copies a `sockaddr` of `length` bytes into a `SocketAddress` whose text is the numeric address
/// and port by `getnameinfo(3)`: `127.0.0.1:5432`, `[::1]:5432`; `?` if it has none.
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
    let description = code == 0 ? authority(string(host), string(service)) : "?"
    return SocketAddress(storage: storage, length: length, description: description)
}

/// `host:port`, with an IPv6 host in brackets (`[::1]:5432`), as WaitFor's `Target` writes them.
private func authority(_ host: String, _ service: String) -> String {
    let shown = host.contains(":") ? "[\(host)]" : host
    return "\(shown):\(UInt16(service) ?? 0)"
}

/// The text of a NUL-terminated C buffer.
private func string(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
