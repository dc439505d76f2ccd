/// The bytes that GNU envsubst's grammar is made of: `$`, `{`, `}` and ASCII names.
///
/// Names are `[A-Za-z_][A-Za-z0-9_]*` byte for byte, whatever the locale: a UTF-8 letter ends a name.
public enum EnvsubstSyntax {
    /// `$`.
    public static let dollar: UInt8 = 0x24
    /// `{`.
    public static let openingBrace: UInt8 = 0x7B
    /// `}`.
    public static let closingBrace: UInt8 = 0x7D

    /// Whether `byte` may start a name: an ASCII letter or `_`.
    @inline(__always)
    public static func startsName(_ byte: UInt8) -> Bool {
        // Setting bit 5 maps `A`...`Z` onto `a`...`z` and leaves no other byte in that range.
        (byte | 0x20) &- 0x61 < 26 || byte == 0x5F
    }

    /// Whether `byte` may continue a name: an ASCII letter, digit or `_`.
    @inline(__always)
    public static func continuesName(_ byte: UInt8) -> Bool {
        startsName(byte) || byte &- 0x30 < 10
    }

    /// Whether `bytes` is a whole name, i.e. something a template can refer to.
    public static func isName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, startsName(first) else { return false }
        return bytes.dropFirst().allSatisfy(continuesName)
    }
}
