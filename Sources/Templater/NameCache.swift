import Platform

/// What a name resolves to under the render policy, cached per distinct name so that the hot path does
/// no `String` allocation and no dictionary hashing of `String`s for names it has seen.
enum Resolution {
    /// Not selected: the reference is copied verbatim.
    case notSelected
    /// Selected and set: these bytes are substituted; `secret` when the name marks them secret.
    case value([UInt8], secret: Bool)
    /// Selected and unset (or empty under `--no-empty`): the unset policy decides.
    case unset
}

/// A small open-addressing hash table from name bytes to their `Resolution`.
struct NameCache {
    private struct Slot {
        var hash: UInt64
        var name: [UInt8]
        var resolution: Resolution
    }

    private var slots: [Slot?] = Array(repeating: nil, count: 64)
    private var count = 0

    /// The cached resolution of `name`, if any.
    @inline(__always)
    func lookup(_ name: UnsafeRawBufferPointer, hash: UInt64) -> Resolution? {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while let slot = slots[index] {
            if slot.hash == hash && slot.name.count == name.count
                && slot.name.withUnsafeBytes({
                    memcmp(
                        $0.baseAddress.unsafelyUnwrapped, name.baseAddress.unsafelyUnwrapped,
                        name.count) == 0
                })
            {
                return slot.resolution
            }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Caches `resolution` for `name` (which must not be cached yet).
    mutating func insert(_ name: UnsafeRawBufferPointer, hash: UInt64, _ resolution: Resolution) {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index] != nil { index = (index + 1) & mask }
        slots[index] = Slot(hash: hash, name: Array(name), resolution: resolution)
        count += 1
    }

    /// Forgets everything (after `${N:=w}` assigns).
    mutating func removeAll() {
        slots = Array(repeating: nil, count: 64)
        count = 0
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: nil, count: old.count * 2)
        count = 0
        let mask = slots.count - 1
        for case let slot? in old {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index] != nil { index = (index + 1) & mask }
            slots[index] = slot
            count += 1
        }
    }

    /// FNV-1a over the name's bytes.
    @inline(__always)
    static func hash(_ name: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash
    }
}
