import Platform

/// The environment byte for byte: every `NAME=value` entry in order, duplicates included, values
/// that are not UTF-8 kept as they are.
///
/// envsubst mode needs this form: GNU envsubst substitutes the bytes of a value, and of two entries
/// with one name the first wins (as `getenv`). A `[String: String]` can represent neither (a `String`
/// repairs invalid UTF-8 with U+FFFD, a dictionary keeps one entry per name), so the environment is
/// handed to that mode as this value instead.
public struct RawEnvironment: Sendable {
    /// The entries in `environ` order; an entry without `=` has none.
    public var entries: [(name: [UInt8], value: [UInt8])]

    /// An environment of `entries`.
    public init(entries: [(name: [UInt8], value: [UInt8])]) {
        self.entries = entries
    }

    /// The entries of a dictionary, sorted by name (a dictionary has no order of its own).
    public init(_ environment: [String: String]) {
        entries = environment.sorted { $0.key < $1.key }.map {
            (name: Array($0.key.utf8), value: Array($0.value.utf8))
        }
    }

    /// The process's own entries, read from `environ` once.
    public static func current() -> RawEnvironment {
        RawEnvironment(entries: processEnvironmentEntries())
    }

    /// Each name's first value, as `getenv` finds it, byte for byte: what render mode substitutes
    /// (a `String` would replace each byte that is not UTF-8 with U+FFFD).
    public var firstValues: [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for (name, value) in entries {
            let key = String(decoding: name, as: UTF8.self)
            if result[key] == nil { result[key] = value }
        }
        return result
    }

    /// The value of the first entry named `name`, as `getenv` finds it; nil when there is none.
    public func value(of name: String) -> [UInt8]? {
        let key = Array(name.utf8)
        return entries.first { $0.name == key }?.value
    }
}
