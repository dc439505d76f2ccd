// Substring search on UTF-8 bytes. `String.contains(String)`, `replacing(_:with:)` and `firstRange(of:)`
// live in _StringProcessing, whose regex engine and Unicode tables add about 1.3 MB to a static binary
// (measured: dist/wait-for 7.25 MB without, 8.83 MB with); these loops are all the tools need.

internal import Glibc

extension String {
    /// The byte offset of the first occurrence of `needle` at or after `start`, comparing UTF-8 bytes.
    public func utf8Offset(of needle: String, from start: Int = 0) -> Int? {
        let haystack = Array(utf8)
        let pattern = Array(needle.utf8)
        return Self.offset(of: pattern, in: haystack, from: start)
    }

    /// Whether `needle` occurs in the string (byte comparison; an empty needle always does).
    public func containsText(_ needle: String) -> Bool {
        needle.isEmpty || utf8Offset(of: needle) != nil
    }

    /// A copy with every occurrence of `target` replaced by `replacement`, left to right.
    public func replacingText(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        let haystack = Array(utf8)
        let pattern = Array(target.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(haystack.count)
        var position = 0
        while let found = Self.offset(of: pattern, in: haystack, from: position) {
            result.append(contentsOf: haystack[position..<found])
            result.append(contentsOf: replacement.utf8)
            position = found + pattern.count
        }
        result.append(contentsOf: haystack[position...])
        return String(decoding: result, as: UTF8.self)
    }

    private static func offset(of pattern: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !pattern.isEmpty, haystack.count >= pattern.count,
            start <= haystack.count - pattern.count
        else {
            return pattern.isEmpty ? start : nil
        }
        let first = pattern[0]
        var index = start
        let last = haystack.count - pattern.count
        while index <= last {
            if haystack[index] == first
                && haystack[index..<index + pattern.count].elementsEqual(pattern)
            {
                return index
            }
            index += 1
        }
        return nil
    }
}
