import Platform

/// What envsubst mode does with each name, precomputed from the environment and the SHELL-FORMAT into a
/// `NameTable` so that a reference costs two word loads and one probe: no `String`, no `Dictionary`, no `getenv` scan of the
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
    private var table: NameTable

    /// A lookup for `envsubst` without SHELL-FORMAT (`selection == nil`: every name) or with one (only
    /// its names). Fill it with `define`, in the environment's order.
    public init(selection: ShellFormat?) {
        substitutesEveryName = selection == nil
        table = NameTable()
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
        let key = NameKey(base, count: name.count, readable: name.count)
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
                    NameKey(base, count: name.count, readable: name.count), base)
            else {
                return substitutesEveryName ? [] : nil
            }
            return Array(table.value(at: index))
        }
    }

    /// The table, for the scanner's hot loop. Valid as long as this lookup is alive and unchanged.
    var frozen: NameTable { table }

    private mutating func uniqueTable() -> NameTable {
        if !isKnownUniquelyReferenced(&table) { table = table.copy() }
        return table
    }
}
