/// A name reduced to its length and its first and last eight bytes: equal keys mean equal names up to
/// `exactLength` bytes (the two words then cover every byte), and a cheap hash either way.
struct NameKey: Equatable {
    /// Names up to this long are identified by their key alone.
    static let exactLength = 16

    var length: Int
    var head: UInt64
    var tail: UInt64

    init(length: Int, head: UInt64, tail: UInt64) {
        self.length = length
        self.head = head
        self.tail = tail
    }

    /// The key of the `count` bytes at `base`, of which `readable` (at least `count`) may be read:
    /// with eight readable bytes a short name is one load and a mask instead of a byte loop.
    @inline(__always)
    init(_ base: UnsafeRawPointer, count: Int, readable: Int) {
        length = count
        if count >= 8 {
            head = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
            tail = UInt64(
                littleEndian: base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self))
            return
        }
        var word: UInt64 = 0
        if readable >= 8 {
            word =
                UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
                & (1 &<< UInt64(count &* 8) &- 1)
        } else {
            for index in 0..<count {
                word |=
                    UInt64(base.load(fromByteOffset: index, as: UInt8.self)) &<< UInt64(index &* 8)
            }
        }
        head = word
        tail = word
    }

    /// Multiply-xor mixing of the three fields; the low bits index the table.
    @inline(__always)
    var bucket: Int {
        var hash = (head ^ UInt64(truncatingIfNeeded: length)) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ (hash &>> 29) ^ tail) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: hash ^ (hash &>> 32))
    }
}
