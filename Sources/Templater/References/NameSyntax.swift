/// The bytes that references are made of in both modes: `$`, `{`, `}` and ASCII names (GNU envsubst's
/// grammar, and the names of render mode, `--allow`, env files and secrets).
///
/// Names are `[A-Za-z_][A-Za-z0-9_]*` byte for byte, whatever the locale: a UTF-8 letter ends a name.
public enum NameSyntax {
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

    /// Bit `startFlag` of entry `b` says whether byte `b` starts a name, bit `continueFlag` whether it
    /// continues one: one load per byte in the scanner's hot loop instead of four range tests. Allocated
    /// once for the life of the process and never written after its initialisation, hence `unsafe`.
    nonisolated(unsafe) static let byteClasses: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for byte in 0...255 {
            let value = UInt8(byte)
            table[byte] =
                (startsName(value) ? startFlag : 0) | (continuesName(value) ? continueFlag : 0)
        }
        return UnsafePointer(table)
    }()

    /// The `byteClasses` bit of bytes that start a name.
    static let startFlag: UInt8 = 1
    /// The `byteClasses` bit of bytes that continue a name.
    static let continueFlag: UInt8 = 2

    // MARK: - Eight bytes at a time

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080
    private static let lowBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// The high bit of each byte of `word` that is not a name byte, the others clear (SWAR: the
    /// range tests of "Bit Twiddling Hacks" `hasbetween`, exact per byte since no sum carries out of
    /// its byte). The first such byte of a little-endian load is `trailingZeroBitCount / 8`.
    @inline(__always)
    static func nonNameBytes(_ word: UInt64) -> UInt64 {
        // Setting bit 5 of every byte folds upper case onto lower case (and nothing else into it).
        let folded = word | 0x2020_2020_2020_2020
        let letters = between(folded, above: 0x60, below: 0x7B)
        let digits = between(word, above: 0x2F, below: 0x3A)
        let underscores = zeroBytes(word ^ (ones &* 0x5F))
        return ~(letters | digits | underscores) & highBits
    }

    /// The high bit of each byte of `word` equal to `byte`.
    @inline(__always)
    static func bytesEqual(_ word: UInt64, to byte: UInt8) -> UInt64 {
        zeroBytes(word ^ (ones &* UInt64(byte)))
    }

    /// The high bit of each zero byte of `word` (exact, unlike the shorter `haszero`).
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        ~(((word & lowBits) &+ lowBits) | word | lowBits)
    }

    /// The high bit of each byte `b` of `word` with `low < b < high`, for bounds up to 128.
    @inline(__always)
    private static func between(_ word: UInt64, above low: UInt64, below high: UInt64) -> UInt64 {
        let low7 = word & lowBits
        return (ones &* (127 &+ high) &- low7) & ~word & (low7 &+ ones &* (127 &- low)) & highBits
    }

    /// Whether `bytes` is a whole name, i.e. something a template can refer to.
    public static func isName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, startsName(first) else { return false }
        return bytes.dropFirst().allSatisfy(continuesName)
    }
}
