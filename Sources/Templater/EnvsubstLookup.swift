import Platform

/// What envsubst mode does with each name, precomputed from the environment and the SHELL-FORMAT so that
/// a reference costs one hash of its bytes and one probe: no `String`, no `Dictionary`, no `getenv` scan.
///
/// Without a SHELL-FORMAT every reference is replaced: by its variable's value, or by nothing when the
/// variable is unset. With one, only the names it mentions are replaced (by nothing when unset) and every
/// other reference is copied verbatim.
public struct EnvsubstLookup: Sendable {
    /// One name in the open-addressing table. Its bytes and its value's bytes live in `pool`.
    struct Slot: Sendable {
        var hash: UInt64
        var nameOffset: Int
        var nameLength: Int
        /// The value's place in `pool`; `valueOffset < 0` while the variable is unset (a selected name
        /// the environment has not defined yet).
        var valueOffset: Int
        var valueLength: Int
    }

    /// True without a SHELL-FORMAT: names missing from the table are unset variables and vanish.
    /// False with one: names missing from the table are not selected and stay as they are.
    public let substitutesEveryName: Bool
    /// The table, a power of two long; `nil` entries are free.
    private(set) var slots: [Slot?]
    /// Name and value bytes of every slot, back to back.
    private(set) var pool: [UInt8] = []
    /// How many slots are taken.
    private var count = 0

    /// A lookup for `envsubst` without SHELL-FORMAT (`selection == nil`: every name) or with one (only
    /// its names). Fill it with `define` from the environment, in the environment's order.
    public init(selection: ShellFormat?) {
        substitutesEveryName = selection == nil
        let names = selection?.names ?? []
        slots = Array(repeating: nil, count: Self.capacity(for: names.count))
        for name in names {
            withUTF8Bytes(name) { insert(name: $0, value: nil) }
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
        let hash = Self.hash(name)
        if let index = find(name, hash: hash) {
            if slots[index]?.valueOffset ?? 0 < 0 {
                slots[index]?.valueOffset = pool.count
                slots[index]?.valueLength = value.count
                pool.append(contentsOf: value)
            }
        } else if substitutesEveryName && EnvsubstSyntax.isName(name) {
            insert(name: name, value: value)
        }
    }

    /// Records the environment entry `name=value`.
    public mutating func define(name: String, value: String) {
        withUTF8Bytes(name) { name in
            withUTF8Bytes(value) { value in define(name: name, value: value) }
        }
    }

    /// The replacement for the reference to `name`: the value's place in `pool` (empty for an unset
    /// variable), or nil when the reference is copied verbatim.
    public func replacement(for name: String) -> [UInt8]? {
        withUTF8Bytes(name) { name -> [UInt8]? in
            let hash = Self.hash(name)
            guard let index = find(name, hash: hash) else {
                return substitutesEveryName ? [] : nil
            }
            return Array(value(at: index))
        }
    }

    // MARK: - The table

    /// The first hash step: FNV-1a's offset basis.
    static let hashSeed: UInt64 = 0xCBF2_9CE4_8422_2325

    /// One FNV-1a step; the scanner hashes a name while it reads it.
    @inline(__always)
    static func hash(_ hash: UInt64, adding byte: UInt8) -> UInt64 {
        (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// The FNV-1a hash of `bytes`.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        bytes.reduce(hashSeed) { hash($0, adding: $1) }
    }

    /// The index of the slot holding `name`, if any.
    @inline(__always)
    func find(_ name: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while let slot = slots[index] {
            if slot.hash == hash && slot.nameLength == name.count
                && (name.isEmpty
                    || pool.withUnsafeBytes { pool in
                        memcmp(
                            pool.baseAddress.unsafelyUnwrapped + slot.nameOffset,
                            name.baseAddress.unsafelyUnwrapped, name.count) == 0
                    })
            {
                return index
            }
            index = (index + 1) & mask
        }
        return nil
    }

    /// The value in slot `index`: empty while unset.
    func value(at index: Int) -> ArraySlice<UInt8> {
        guard let slot = slots[index], slot.valueOffset >= 0 else { return [] }
        return pool[slot.valueOffset..<slot.valueOffset + slot.valueLength]
    }

    private mutating func insert(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) {
        let hash = Self.hash(name)
        if find(name, hash: hash) != nil { return }
        if (count + 1) * 2 > slots.count { grow() }
        var slot = Slot(
            hash: hash, nameOffset: pool.count, nameLength: name.count, valueOffset: -1,
            valueLength: 0)
        pool.append(contentsOf: name)
        if let value {
            slot.valueOffset = pool.count
            slot.valueLength = value.count
            pool.append(contentsOf: value)
        }
        place(slot)
        count += 1
    }

    private mutating func place(_ slot: Slot) {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: slot.hash) & mask
        while slots[index] != nil { index = (index + 1) & mask }
        slots[index] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: nil, count: old.count * 2)
        for case let slot? in old { place(slot) }
    }

    /// A power of two with room for `count` names at a load factor of one half at most.
    private static func capacity(for count: Int) -> Int {
        var capacity = 16
        while capacity < count * 2 { capacity *= 2 }
        return capacity
    }
}
