import Platform

/// The process environment as a value: the libraries never read it themselves (STYLE: pure core).
public enum ProcessEnvironment {
    /// Every `NAME=value` of `environ`; when a name appears twice the first wins, as `getenv` does.
    ///
    /// Split on the bytes (`strchr`), not with `String.firstIndex(of:)`, whose grapheme-aware search was a
    /// quarter of the entrypoint's start-up instructions.
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            entry += 1
            guard let equals = strchr(pointer, 0x3D) else { continue }
            let nameLength = pointer.distance(to: equals)
            let name = UnsafeRawBufferPointer(start: pointer, count: nameLength)
            let key = String(decoding: name, as: UTF8.self)
            if result[key] == nil {
                result[key] = String(cString: equals + 1)
            }
        }
        return result
    }

    /// Every `NAME=value` of `environ` with the value's bytes as the kernel gave them (a `String`
    /// would replace each byte that is not UTF-8 with U+FFFD): what render mode substitutes.
    public static func bytes() -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            entry += 1
            guard let equals = strchr(pointer, 0x3D) else { continue }
            let name = UnsafeRawBufferPointer(start: pointer, count: pointer.distance(to: equals))
            let key = String(decoding: name, as: UTF8.self)
            if result[key] == nil {
                let value = equals + 1
                result[key] = Array(UnsafeRawBufferPointer(start: value, count: strlen(value)))
            }
        }
        return result
    }
}
