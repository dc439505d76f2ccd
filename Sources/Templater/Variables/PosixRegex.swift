// POSIX regular expressions (`regcomp(3)`/`regexec(3)`): the one libc facility Templater calls
// itself, because only `--allow-regex` needs it.

internal import Glibc
import Platform

/// A compiled POSIX extended regular expression (`regcomp(3)` with `REG_EXTENDED | REG_NOSUB`), matched
/// unanchored with `regexec(3)` — exactly what the nginx image's `NGINX_ENVSUBST_FILTER` means.
final class PosixRegex: @unchecked Sendable {
    private var compiled = regex_t()
    /// The pattern as given.
    let pattern: String

    /// Compiles `pattern`; the error message is `regerror(3)`'s.
    init(_ pattern: String) throws(TemplaterError) {
        self.pattern = pattern
        let status = regcomp(&compiled, pattern, REG_EXTENDED | REG_NOSUB)
        if status != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            regerror(status, &compiled, &buffer, buffer.count)
            let reason = String(
                decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .usage("--allow-regex '\(pattern)': \(reason)")
        }
    }

    deinit {
        regfree(&compiled)
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        regexec(&compiled, text, 0, nil, 0) == 0
    }
}
