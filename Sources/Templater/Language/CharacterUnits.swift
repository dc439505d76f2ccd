/// The characters of a render-mode value as bash 5.2 sees them in a UTF-8 locale, for the operators
/// that need characters (`${#N}`, `${N:o:l}`, case changes, patterns).
///
/// Values are bytes; a unit is one character: a valid UTF-8 sequence is one unit holding its scalar
/// value, and every byte of an invalid or truncated sequence is a unit of its own (`rawBase | byte`,
/// outside Unicode, so it equals no scalar), as bash advances one byte where `mbrtowc(3)` fails:
/// `V=$'\xe9t\xe9'` has `${#V}` 3, and `${V//?/x}` is `xxx`. A raw unit is in no character class and
/// keeps its case.
///
/// bash matches a pattern that is itself not valid UTF-8 byte by byte, the value included
/// (`${W/$'\xc3'/Q}` replaces the first byte of an `é`): `bytewise` gives those units, ASCII bytes as
/// themselves and every other byte raw.
enum CharacterUnits {
    /// The first raw unit: `rawBase | byte` stands for a byte that is not part of a valid sequence.
    static let rawBase: UInt32 = 0x11_0000

    /// A value's units and the byte offset where each starts (`offsets.count == units.count + 1`), so
    /// that results are slices of the value's own bytes.
    struct Decoded {
        /// One per character.
        var units: [UInt32]
        /// `offsets[i]` is where unit `i` starts; the last entry is the value's length.
        var offsets: [Int]
    }

    /// The units of `bytes`, one per character (invalid bytes one each).
    static func decode(_ bytes: [UInt8]) -> Decoded {
        var units: [UInt32] = []
        var offsets: [Int] = []
        units.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                offsets.append(index)
                let (unit, length) = decodeOne(buffer, at: index)
                units.append(unit)
                index += length
            }
        }
        offsets.append(bytes.count)
        return Decoded(units: units, offsets: offsets)
    }

    /// The units of `bytes` one per byte (a pattern that is not valid UTF-8, and the value it is
    /// matched against).
    static func bytewise(_ bytes: [UInt8]) -> Decoded {
        Decoded(units: bytes.map(byteUnit), offsets: Array(0...bytes.count))
    }

    /// The unit of one byte in byte-wise matching.
    @inline(__always)
    static func byteUnit(_ byte: UInt8) -> UInt32 {
        byte < 0x80 ? UInt32(byte) : rawBase | UInt32(byte)
    }

    /// The number of characters (`${#N}`).
    static func count(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            var count = 0
            while index < buffer.count {
                index += buffer[index] < 0x80 ? 1 : decodeOne(buffer, at: index).length
                count += 1
            }
            return count
        }
    }

    /// Whether `bytes` is valid UTF-8 throughout.
    static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                if buffer[index] < 0x80 {
                    index += 1
                    continue
                }
                let (unit, length) = decodeOne(buffer, at: index)
                if unit >= rawBase { return false }
                index += length
            }
            return true
        }
    }

    /// Appends the bytes of `unit` to `bytes`: a scalar's UTF-8, a raw unit's byte.
    @inline(__always)
    static func append(_ unit: UInt32, to bytes: inout [UInt8]) {
        if unit < 0x80 {
            bytes.append(UInt8(unit))
        } else if unit >= rawBase {
            bytes.append(UInt8(truncatingIfNeeded: unit))
        } else if unit < 0x800 {
            bytes.append(UInt8(0xC0 | unit >> 6))
            bytes.append(UInt8(0x80 | unit & 0x3F))
        } else if unit < 0x1_0000 {
            bytes.append(UInt8(0xE0 | unit >> 12))
            bytes.append(UInt8(0x80 | unit >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | unit & 0x3F))
        } else {
            bytes.append(UInt8(0xF0 | unit >> 18))
            bytes.append(UInt8(0x80 | unit >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | unit >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | unit & 0x3F))
        }
    }

    /// The bytes of `units`.
    static func encode<S: Sequence<UInt32>>(_ units: S) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(units.underestimatedCount)
        for unit in units { append(unit, to: &bytes) }
        return bytes
    }

    /// The scalar of `unit`, nil for a raw byte.
    @inline(__always)
    static func scalar(_ unit: UInt32) -> Unicode.Scalar? {
        unit >= rawBase ? nil : Unicode.Scalar(unit)
    }

    /// The unit starting at `index` and its length in bytes: a valid sequence (RFC 3629: no overlong
    /// forms, no surrogates, nothing above U+10FFFF) or one raw byte.
    @inline(__always)
    private static func decodeOne(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int)
        -> (unit: UInt32, length: Int)
    {
        let first = buffer[index]
        if first < 0x80 { return (UInt32(first), 1) }
        let raw = (rawBase | UInt32(first), 1)
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default: return raw
        }
        guard index + length <= buffer.count else { return raw }
        let second = buffer[index + 1]
        guard second >= low && second <= high else { return raw }
        var value = UInt32(first) & (0xFF >> (length + 1))
        value = value << 6 | UInt32(second & 0x3F)
        var offset = 2
        while offset < length {
            let byte = buffer[index + offset]
            guard byte & 0xC0 == 0x80 else { return raw }
            value = value << 6 | UInt32(byte & 0x3F)
            offset += 1
        }
        return (value, length)
    }
}
