internal import Glibc

/// A process environment as a value: each variable's name and its value's bytes, as `environ` holds
/// them, with a text view for the logic that reads values (`PATH`, `TMPDIR`, the `ENTRYPOINT_*`
/// options, the log's redaction).
///
/// The bytes are the value, so that nothing is lost on the way: a value that is not UTF-8 — from
/// `environ`, a `_FILE` secret, `--secrets-dir` or an `--env-file` — reaches `execve`, `posix_spawn`
/// and the templates exactly as it was read. A `[String: String]` could not carry it (decoding
/// replaces each invalid byte with U+FFFD), and recovering the original with `getenv` worked only
/// for the process's own variables, by reading the process environment from a library. The text
/// view (`subscript`, `text`) decodes; what is set as text is stored as its UTF-8.
///
/// The CLI reads `environ` once (`Environment.current()`); the libraries are given this value.
public struct Environment: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    /// Every variable's value, byte for byte.
    public private(set) var bytes: [String: [UInt8]]

    /// An environment of `bytes`.
    public init(bytes: [String: [UInt8]] = [:]) {
        self.bytes = bytes
    }

    /// An environment of text values (stored as their UTF-8).
    public init(_ text: [String: String]) {
        bytes = text.mapValues { Array($0.utf8) }
    }

    /// `text`, a copy of `original`'s text view that a caller changed, back as an environment: each
    /// value whose text is unchanged keeps `original`'s bytes, the others are their UTF-8.
    ///
    /// For code that works on text (the nginx image's `.envsh` files, which a shell exports): what
    /// it did not touch keeps its bytes.
    public init(_ text: [String: String], keepingBytesOf original: Environment) {
        bytes = [:]
        bytes.reserveCapacity(text.count)
        for (name, value) in text {
            if let kept = original.bytes[name], original[name] == value {
                bytes[name] = kept
            } else {
                bytes[name] = Array(value.utf8)
            }
        }
    }

    /// An environment of `elements`, as text.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(Dictionary(elements) { _, last in last })
    }

    /// The value of `name` as text (each byte that is not UTF-8 reads as U+FFFD); setting it stores
    /// the text's UTF-8, nil removes the variable.
    public subscript(name: String) -> String? {
        get { bytes[name].map { String(decoding: $0, as: UTF8.self) } }
        set { bytes[name] = newValue.map { Array($0.utf8) } }
    }

    /// Sets `name` to `value` byte for byte; nil removes it.
    public mutating func set(_ name: String, bytes value: [UInt8]?) {
        bytes[name] = value
    }

    /// Every variable with its value as text (invalid UTF-8 read as U+FFFD).
    public var text: [String: String] {
        bytes.mapValues { String(decoding: $0, as: UTF8.self) }
    }

    /// The variables' names.
    public var names: Dictionary<String, [UInt8]>.Keys { bytes.keys }

    /// The `NAME=value` lines for `execve` or `posix_spawn`, sorted by their bytes.
    public var lines: [[UInt8]] {
        bytes.map { name, value in
            var line = Array(name.utf8)
            line.append(0x3D)
            line += value
            return line
        }.sorted { $0.lexicographicallyPrecedes($1) }
    }
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

// MARK: - The process's own environment

extension Environment {
    /// Every `NAME=value` of `environ`, each value byte for byte; when a name appears twice the
    /// first wins, as `getenv` finds it.
    ///
    /// Split on the bytes (`strchr`), not with `String.firstIndex(of:)`, whose grapheme-aware search
    /// was a quarter of the entrypoint's start-up instructions.
    public static func current() -> Environment {
        var result: [String: [UInt8]] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            entry += 1
            guard let equals = strchr(pointer, 0x3D) else { continue }
            let nameLength = pointer.distance(to: equals)
            let name = UnsafeRawBufferPointer(start: pointer, count: nameLength)
            let key = String(decoding: name, as: UTF8.self)
            if result[key] == nil {
                let value = equals + 1
                result[key] = Array(UnsafeRawBufferPointer(start: value, count: strlen(value)))
            }
        }
        return Environment(bytes: result)
    }
}

/// The entries of `environ` in order, duplicates included, byte for byte; an entry without `=` is
/// skipped.
public func processEnvironmentEntries() -> [(name: [UInt8], value: [UInt8])] {
    var entries: [(name: [UInt8], value: [UInt8])] = []
    var entry = environ
    while let pointer = entry.pointee {
        entry += 1
        let raw = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
        guard let equals = raw.firstIndex(of: UInt8(ascii: "=")) else { continue }
        entries.append((name: Array(raw[..<equals]), value: Array(raw[(equals + 1)...])))
    }
    return entries
}
