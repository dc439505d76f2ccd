internal import Glibc
import Platform

/// The byte-keyed name table of both modes: open addressing with linear probing over plain-old-data
/// slots keyed by `NameKey`, names and values in one byte pool, so that a reference costs a key (two
/// word loads), one probe and, for names longer than sixteen bytes, a `memcmp` — no `String`, no
/// `Dictionary`, no reference counting.
///
/// Envsubst mode fills it once from the environment (`EnvsubstLookup`); render mode caches each name's
/// `Resolution` and value on first use (`Renderer`).
final class NameTable {
    /// One name. `key.length < 0` marks a free slot.
    struct Slot {
        var key: NameKey
        var nameOffset: Int
        /// Where the value starts in `pool`; negative while the variable is unset.
        var valueOffset: Int
        var valueLength: Int
        /// Render mode's resolution of the name (envsubst mode leaves it `.unset`).
        var resolution: Resolution
    }

    private(set) var slots: UnsafeMutablePointer<Slot>
    private(set) var mask: Int
    private(set) var pool: UnsafeMutableRawPointer
    private var poolCount = 0
    private var poolCapacity: Int
    private var count = 0

    /// An empty table with room for `capacity` slots (a power of two) and `poolCapacity` bytes.
    init(capacity: Int = 16, poolCapacity: Int = 256) {
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Self.free, count: capacity)
        mask = capacity - 1
        pool = .allocate(byteCount: poolCapacity, alignment: 16)
        self.poolCapacity = poolCapacity
    }

    deinit {
        slots.deallocate()
        pool.deallocate()
    }

    private static let free = Slot(
        key: NameKey(length: -1, head: 0, tail: 0), nameOffset: 0, valueOffset: -1,
        valueLength: 0, resolution: .unset)

    /// An independent copy (envsubst mode's copy on write).
    func copy() -> NameTable {
        let copy = NameTable(capacity: mask + 1, poolCapacity: poolCapacity)
        copy.slots.update(from: slots, count: mask + 1)
        copy.pool.copyMemory(from: pool, byteCount: poolCount)
        copy.poolCount = poolCount
        copy.count = count
        return copy
    }

    /// The slot holding the name whose key is `key` and whose bytes start at `name`.
    @inline(__always)
    func find(_ key: NameKey, _ name: UnsafeRawPointer) -> Int? {
        var index = key.bucket & mask
        while true {
            let slot = slots[index]
            if slot.key.length < 0 { return nil }
            if slot.key == key
                && (key.length <= NameKey.exactLength
                    || memcmp(pool + slot.nameOffset, name, key.length) == 0)
            {
                return index
            }
            index = (index &+ 1) & mask
        }
    }

    /// The value in slot `index`: empty while unset.
    @inline(__always)
    func value(at index: Int) -> UnsafeRawBufferPointer {
        let slot = slots[index]
        guard slot.valueOffset >= 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pool + slot.valueOffset, count: slot.valueLength)
    }

    /// The resolution recorded in slot `index`.
    @inline(__always)
    func resolution(at index: Int) -> Resolution {
        slots[index].resolution
    }

    /// Adds `name` as unset unless it is there; returns its slot.
    @discardableResult
    func insert(name: UnsafeRawBufferPointer) -> Int {
        let base = name.baseAddress ?? UnsafeRawPointer(pool)
        let key = NameKey(base, count: name.count, readable: name.count)
        if let index = find(key, base) { return index }
        if (count + 1) * 2 > mask + 1 { grow() }
        let slot = Slot(
            key: key, nameOffset: append(name), valueOffset: -1, valueLength: 0,
            resolution: .unset)
        count += 1
        return place(slot)
    }

    /// Adds `name`, which must not be there yet, with `resolution` and, when it resolves to a value,
    /// `value`'s bytes; returns its slot.
    @discardableResult
    func insert(
        _ name: UnsafeRawBufferPointer, key: NameKey, _ resolution: Resolution, value: [UInt8]
    ) -> Int {
        if (count + 1) * 2 > mask + 1 { grow() }
        var slot = Slot(
            key: key, nameOffset: append(name), valueOffset: -1, valueLength: 0,
            resolution: resolution)
        if case .value = resolution {
            slot.valueOffset = value.withUnsafeBytes { append($0) }
            slot.valueLength = value.count
        }
        count += 1
        return place(slot)
    }

    /// Sets the value of slot `index`.
    func setValue(_ value: UnsafeRawBufferPointer, at index: Int) {
        let offset = append(value)
        slots[index].valueOffset = offset
        slots[index].valueLength = value.count
    }

    /// Forgets every name (render mode, after `${N:=w}` assigns).
    func removeAll() {
        slots.update(repeating: Self.free, count: mask + 1)
        count = 0
        poolCount = 0
    }

    private func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        if poolCount + bytes.count > poolCapacity {
            var capacity = poolCapacity * 2
            while capacity < poolCount + bytes.count { capacity *= 2 }
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            bigger.copyMemory(from: pool, byteCount: poolCount)
            pool.deallocate()
            pool = bigger
            poolCapacity = capacity
        }
        let offset = poolCount
        if let source = bytes.baseAddress {
            (pool + offset).copyMemory(from: source, byteCount: bytes.count)
        }
        poolCount += bytes.count
        return offset
    }

    @discardableResult
    private func place(_ slot: Slot) -> Int {
        var index = slot.key.bucket & mask
        while slots[index].key.length >= 0 { index = (index + 1) & mask }
        slots[index] = slot
        return index
    }

    private func grow() {
        let old = slots
        let oldCapacity = mask + 1
        slots = .allocate(capacity: oldCapacity * 2)
        slots.initialize(repeating: Self.free, count: oldCapacity * 2)
        mask = oldCapacity * 2 - 1
        for index in 0..<oldCapacity where old[index].key.length >= 0 { place(old[index]) }
        old.deallocate()
    }
}
