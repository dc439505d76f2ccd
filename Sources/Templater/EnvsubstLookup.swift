import Platform

/// What envsubst mode does with each name, precomputed from the environment and the SHELL-FORMAT so that
/// a reference costs two word loads and one probe: no `String`, no `Dictionary`, no `getenv` scan of the
/// whole environment (which is what GNU does for every reference).
///
/// Without a SHELL-FORMAT every reference is replaced: by its variable's value, or by nothing when the
/// variable is unset. With one, only the names it mentions are replaced (by nothing when unset) and every
/// other reference is copied verbatim.
public struct EnvsubstLookup: @unchecked Sendable {
    /// True without a SHELL-FORMAT: names missing from the table are unset variables and vanish.
    /// False with one: names missing from the table are not selected and stay as they are.
    public let substitutesEveryName: Bool
    /// Shared between copies until one of them changes (copy on write); never changed while shared,
    /// which is why the struct may be `Sendable`.
    private var table: Table

    /// A lookup for `envsubst` without SHELL-FORMAT (`selection == nil`: every name) or with one (only
    /// its names). Fill it with `define`, in the environment's order.
    public init(selection: ShellFormat?) {
        substitutesEveryName = selection == nil
        table = Table()
        for name in selection?.names ?? [] {
            withUTF8Bytes(name) { _ = table.insert(name: $0) }
        }
    }

    /// A lookup over `environment` (where each name appears once).
    public init(environment: [String: String], selection: ShellFormat?) {
        self.init(selection: selection)
        for (name, value) in environment {
            define(name: name, value: value)
        }
    }

    /// Records the environment entry `name=value`. As with `getenv`, the first definition of a name
    /// wins; names that cannot be referred to, or that the SHELL-FORMAT does not select, are ignored.
    public mutating func define(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        guard let base = name.baseAddress, NameSyntax.isName(name) else { return }
        let key = EnvsubstNameKey(base, count: name.count, readable: name.count)
        let index: Int
        if let found = table.find(key, base) {
            guard table.slots[found].valueOffset < 0 else { return }
            index = found
        } else {
            guard substitutesEveryName else { return }
            index = uniqueTable().insert(name: name)
        }
        uniqueTable().setValue(value, at: index)
    }

    /// Records the environment entry `name=value`.
    public mutating func define(name: String, value: String) {
        withUTF8Bytes(name) { name in
            withUTF8Bytes(value) { value in define(name: name, value: value) }
        }
    }

    /// What a reference to `name` becomes: the variable's value (empty when unset), or nil when the
    /// reference is copied verbatim.
    public func replacement(for name: String) -> [UInt8]? {
        withUTF8Bytes(name) { name -> [UInt8]? in
            guard let base = name.baseAddress, NameSyntax.isName(name) else { return nil }
            guard
                let index = table.find(
                    EnvsubstNameKey(base, count: name.count, readable: name.count), base)
            else {
                return substitutesEveryName ? [] : nil
            }
            return Array(table.value(at: index))
        }
    }

    /// The table, for the scanner's hot loop. Valid as long as this lookup is alive and unchanged.
    var frozen: Table { table }

    private mutating func uniqueTable() -> Table {
        if !isKnownUniquelyReferenced(&table) { table = table.copy() }
        return table
    }

    // MARK: - The table

    /// Open addressing with linear probing over slots keyed by `EnvsubstNameKey`; names and values live in one
    /// byte pool.
    final class Table {
        /// One name. `length < 0` marks a free slot.
        struct Slot {
            var key: EnvsubstNameKey
            var nameOffset: Int
            /// Where the value starts in `pool`; negative while the variable is unset.
            var valueOffset: Int
            var valueLength: Int
        }

        private(set) var slots: UnsafeMutablePointer<Slot>
        private(set) var mask: Int
        private(set) var pool: UnsafeMutableRawPointer
        private var poolCount = 0
        private var poolCapacity: Int
        private var count = 0

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
            key: EnvsubstNameKey(length: -1, head: 0, tail: 0), nameOffset: 0, valueOffset: -1,
            valueLength: 0)

        func copy() -> Table {
            let copy = Table(capacity: mask + 1, poolCapacity: poolCapacity)
            copy.slots.update(from: slots, count: mask + 1)
            copy.pool.copyMemory(from: pool, byteCount: poolCount)
            copy.poolCount = poolCount
            copy.count = count
            return copy
        }

        /// The slot holding the name whose key is `key` and whose bytes start at `name`.
        @inline(__always)
        func find(_ key: EnvsubstNameKey, _ name: UnsafeRawPointer) -> Int? {
            var index = key.bucket & mask
            while true {
                let slot = slots[index]
                if slot.key.length < 0 { return nil }
                if slot.key == key
                    && (key.length <= EnvsubstNameKey.exactLength
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

        /// Adds `name` (a valid name) as unset unless it is there; returns its slot.
        @discardableResult
        func insert(name: UnsafeRawBufferPointer) -> Int {
            let base = name.baseAddress.unsafelyUnwrapped
            let key = EnvsubstNameKey(base, count: name.count, readable: name.count)
            if let index = find(key, base) { return index }
            if (count + 1) * 2 > mask + 1 { grow() }
            let slot = Slot(key: key, nameOffset: append(name), valueOffset: -1, valueLength: 0)
            count += 1
            return place(slot)
        }

        func setValue(_ value: UnsafeRawBufferPointer, at index: Int) {
            let offset = append(value)
            slots[index].valueOffset = offset
            slots[index].valueLength = value.count
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
}
