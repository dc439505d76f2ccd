/// The order of `sort -V` and `ls -v` (gnulib's `filevercmp`), used for the entries of the hooks
/// directory so that `9-seed` runs before `10-migrate`, as the same names would with `run-parts` or
/// the official images' `docker-entrypoint.d` loops listed through `sort -V`.
///
/// Rules (gnulib filevercmp.c): the empty name, `.`, `..` and other hidden names come first; a trailing
/// run of suffixes matching `(\.[A-Za-z~][A-Za-z0-9~]*)*$` is compared only when the rest is equal;
/// non-digit runs compare with `~` before the end before letters before other bytes; digit runs
/// compare as numbers. Names that compare equal are ordered by their bytes, as `sort` does last.
public enum VersionOrder {
    /// True when `a` sorts before `b`.
    public static func areInIncreasingOrder(_ a: String, _ b: String) -> Bool {
        let result = compare(Array(a.utf8), Array(b.utf8))
        if result != 0 { return result < 0 }
        return Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
    }

    /// `filevercmp`: negative, zero or positive.
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.isEmpty ? 0 : -1 }
        if b.isEmpty { return 1 }
        let dot = UInt8(ascii: ".")
        if a[0] == dot {
            if b[0] != dot { return -1 }
            let aDot = a.count == 1
            let bDot = b.count == 1
            if aDot { return bDot ? 0 : -1 }
            if bDot { return 1 }
            let aDotDot = a.count == 2 && a[1] == dot
            let bDotDot = b.count == 2 && b[1] == dot
            if aDotDot { return bDotDot ? 0 : -1 }
            if bDotDot { return 1 }
        } else if b[0] == dot {
            return 1
        }
        let aPrefix = prefixLength(a)
        let bPrefix = prefixLength(b)
        let result = compareVersions(a[..<aPrefix], b[..<bPrefix])
        if result != 0 || (aPrefix == a.count && bPrefix == b.count) { return result }
        return compareVersions(a[...], b[...])
    }

    /// The length of `name` without its suffix run (gnulib `file_prefixlen`); the first byte is never
    /// part of a suffix.
    private static func prefixLength(_ name: [UInt8]) -> Int {
        var prefix = 0
        var index = 0
        while true {
            if index == name.count { return prefix }
            index += 1
            prefix = index
            while index + 1 < name.count && name[index] == UInt8(ascii: ".")
                && (isAlpha(name[index + 1]) || name[index + 1] == UInt8(ascii: "~"))
            {
                index += 2
                while index < name.count
                    && (isAlnum(name[index]) || name[index] == UInt8(ascii: "~"))
                {
                    index += 1
                }
            }
        }
    }

    /// gnulib `verrevcmp`: alternate non-digit and digit runs.
    private static func compareVersions(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        var i = a.startIndex
        var j = b.startIndex
        while i < a.endIndex || j < b.endIndex {
            while (i < a.endIndex && !isDigit(a[i])) || (j < b.endIndex && !isDigit(b[j])) {
                let left = order(a, i)
                let right = order(b, j)
                if left != right { return left - right }
                i += 1
                j += 1
            }
            while i < a.endIndex && a[i] == UInt8(ascii: "0") { i += 1 }
            while j < b.endIndex && b[j] == UInt8(ascii: "0") { j += 1 }
            var firstDifference = 0
            while i < a.endIndex && j < b.endIndex && isDigit(a[i]) && isDigit(b[j]) {
                if firstDifference == 0 { firstDifference = Int(a[i]) - Int(b[j]) }
                i += 1
                j += 1
            }
            if i < a.endIndex && isDigit(a[i]) { return 1 }
            if j < b.endIndex && isDigit(b[j]) { return -1 }
            if firstDifference != 0 { return firstDifference }
        }
        return 0
    }

    /// The weight of the byte at `index` in a non-digit run: `~` < end < digits < letters < others.
    private static func order(_ bytes: ArraySlice<UInt8>, _ index: Int) -> Int {
        guard index < bytes.endIndex else { return -1 }
        let byte = bytes[index]
        if isDigit(byte) { return 0 }
        if isAlpha(byte) { return Int(byte) }
        if byte == UInt8(ascii: "~") { return -2 }
        return Int(byte) + 256
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    private static func isAlnum(_ byte: UInt8) -> Bool { isDigit(byte) || isAlpha(byte) }
}
