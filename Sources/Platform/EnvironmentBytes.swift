internal import Glibc

/// The bytes to pass on for `name=value` of an environment held as `String`s: the process's own
/// value, byte for byte, when `value` is that value with its invalid UTF-8 replaced (a `String` cannot
/// hold such bytes, and `String(cString:)` replaced each with U+FFFD); otherwise `value`'s UTF-8.
///
/// So a variable that is not UTF-8 reaches the exec'd server, the hooks and the rendered templates as
/// the kernel handed it over; values the entrypoint set itself are passed on as they are.
public func environmentValueBytes(_ name: String, _ value: String) -> [UInt8] {
    // A replaced byte leaves U+FFFD (EF BF BD): without one, the value is exactly its UTF-8.
    guard value.utf8.contains(0xEF), let original = getenv(name) else { return Array(value.utf8) }
    let bytes = Array(UnsafeRawBufferPointer(start: original, count: strlen(original)))
    return String(decoding: bytes, as: UTF8.self) == value ? bytes : Array(value.utf8)
}

/// The `NAME=value` lines of `environment` for `execve` or `posix_spawn`, sorted, each value as
/// `environmentValueBytes` gives it.
public func environmentLines(_ environment: [String: String]) -> [[UInt8]] {
    environment.map { name, value in
        var line = Array(name.utf8)
        line.append(0x3D)
        line += environmentValueBytes(name, value)
        return line
    }.sorted { $0.lexicographicallyPrecedes($1) }
}

/// Runs `body` with a NULL-terminated `char *[]` of `lines` (bytes, NUL-terminated on the way).
public func withCStringArray<R>(
    _ lines: [[UInt8]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = lines.map { line in
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: line.count + 1)
        line.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(copy).copyMemory(
                from: raw.baseAddress ?? UnsafeRawPointer(copy), byteCount: line.count)
        }
        copy[line.count] = 0
        return copy
    }
    pointers.append(nil)
    defer { for pointer in pointers { pointer?.deallocate() } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress.unsafelyUnwrapped) }
}
