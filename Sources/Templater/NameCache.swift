import Platform

/// What a name resolves to under the render policy.
enum Resolution {
    /// Not selected: the reference is copied verbatim.
    case notSelected
    /// Selected and set: its value is substituted; `secret` when the name marks it secret.
    case value(secret: Bool)
    /// Selected and unset (or empty under `--no-empty`): the unset policy decides.
    case unset
}

/// The renderer's per-name cache: open addressing over plain-old-data slots, names and values kept in two
/// contiguous byte buffers, so that the hot path (`$NAME`, `${NAME}`) costs a hash, one probe and a
/// `memcmp` — no `String`, no `Dictionary`, no reference counting.
final class NameCache {
    private struct Slot {
        var hash: UInt64 = 0
        var nameOffset = -1  // -1: empty slot
        var nameCount = 0
        var valueOffset = 0
        var valueCount = 0
        var kind: UInt8 = 0  // 0 not selected, 1 value, 2 secret value, 3 unset
    }

    private var slots: UnsafeMutableBufferPointer<Slot>
    private var count = 0
    private var names = ByteStore()
    private var values = ByteStore()

    init() {
        slots = .allocate(capacity: 64)
        slots.initialize(repeating: Slot())
    }

    deinit {
        slots.deallocate()
        names.deallocate()
        values.deallocate()
    }

    /// The slot of `name`, or nil when it is not cached.
    @inline(__always)
    func find(_ name: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            if slot.nameOffset < 0 { return nil }
            if slot.hash == hash && slot.nameCount == name.count
                && Self.sameBytes(
                    names.base + slot.nameOffset, name.baseAddress.unsafelyUnwrapped, name.count)
            {
                return index
            }
            index = (index + 1) & mask
        }
    }

    /// The resolution cached in slot `index`.
    @inline(__always)
    func resolution(at index: Int) -> Resolution {
        switch slots[index].kind {
        case 0: return .notSelected
        case 1: return .value(secret: false)
        case 2: return .value(secret: true)
        default: return .unset
        }
    }

    /// The value bytes cached in slot `index`.
    @inline(__always)
    func value(at index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(
            start: values.base + slots[index].valueOffset, count: slots[index].valueCount)
    }

    /// Caches `resolution` (and `value`'s bytes) for `name`, which must not be cached yet; returns
    /// its slot.
    @discardableResult
    func insert(
        _ name: UnsafeRawBufferPointer, hash: UInt64, _ resolution: Resolution, value: [UInt8]
    ) -> Int {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        var slot = Slot(hash: hash, nameOffset: names.count, nameCount: name.count)
        names.append(name)
        switch resolution {
        case .notSelected: slot.kind = 0
        case .value(let secret):
            slot.kind = secret ? 2 : 1
            slot.valueOffset = values.count
            value.withUnsafeBytes { values.append($0) }
            slot.valueCount = values.count - slot.valueOffset
        case .unset: slot.kind = 3
        }
        count += 1
        return place(slot)
    }

    /// Forgets everything (after `${N:=w}` assigns).
    func removeAll() {
        slots.update(repeating: Slot())
        count = 0
        names.count = 0
        values.count = 0
    }

    @discardableResult
    private func place(_ slot: Slot) -> Int {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: slot.hash) & mask
        while slots[index].nameOffset >= 0 { index = (index + 1) & mask }
        slots[index] = slot
        return index
    }

    private func grow() {
        let old = slots
        slots = .allocate(capacity: old.count * 2)
        slots.initialize(repeating: Slot())
        for slot in old where slot.nameOffset >= 0 { place(slot) }
        old.deallocate()
    }

    /// Whether the `count` bytes at `a` and `b` are equal: eight at a time, inline (names are short,
    /// and a `memcmp` call per reference was 4% of a render).
    @inline(__always)
    static func sameBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        if count < 8 {
            for index in 0..<count
            where a.load(fromByteOffset: index, as: UInt8.self)
                != b.load(fromByteOffset: index, as: UInt8.self)
            {
                return false
            }
            return true
        }
        var index = 0
        while index + 8 < count {
            if a.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                != b.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            {
                return false
            }
            index += 8
        }
        // The last eight bytes, overlapping what was compared.
        return a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }

    /// A multiplicative hash of the name, eight bytes at a time.
    @inline(__always)
    static func hash(_ name: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = name.baseAddress else { return 0 }
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(name.count)
        var index = 0
        while index + 8 <= name.count {
            hash =
                (hash ^ base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 29
            index += 8
        }
        // The last 0-7 bytes in at most three loads.
        var tail: UInt64 = 0
        var remaining = name.count - index
        var shift: UInt64 = 0
        if remaining >= 4 {
            tail = UInt64(base.loadUnaligned(fromByteOffset: index, as: UInt32.self))
            index += 4
            remaining -= 4
            shift = 32
        }
        if remaining >= 2 {
            tail |= UInt64(base.loadUnaligned(fromByteOffset: index, as: UInt16.self)) << shift
            index += 2
            remaining -= 2
            shift += 16
        }
        if remaining == 1 {
            tail |= UInt64(base.load(fromByteOffset: index, as: UInt8.self)) << shift
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 32)
    }
}

/// A growable byte buffer without copy-on-write or reference counting: the cache's name and value
/// storage. Its owner deallocates it.
private struct ByteStore {
    private(set) var base: UnsafeMutableRawPointer = .allocate(byteCount: 1024, alignment: 1)
    private var capacity = 1024
    var count = 0

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if count + bytes.count > capacity {
            let bigger = max(capacity * 2, count + bytes.count)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: bigger, alignment: 1)
            grown.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = grown
            capacity = bigger
        }
        if let source = bytes.baseAddress {
            (base + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    func deallocate() { base.deallocate() }
}
