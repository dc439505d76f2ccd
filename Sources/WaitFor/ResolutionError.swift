/// A failed `getaddrinfo`: `resolve(db): Name or service not known`.
struct ResolutionError: Error, Sendable, CustomStringConvertible {
    /// The name that did not resolve.
    var host: String
    /// The `EAI_*` code.
    var code: Int32
    /// `gai_strerror(code)` (or `strerror(errno)` for `EAI_SYSTEM`).
    var text: String

    var description: String { "resolve(\(host)): \(text)" }
}
