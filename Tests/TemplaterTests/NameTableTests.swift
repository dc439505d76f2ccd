import Testing

@testable import Templater

/// The name table of both modes. Names up to sixteen bytes are told apart by their key alone, longer
/// ones by their bytes too: names of every length around those steps, and long names that differ in
/// one middle byte only (same length, same first and last eight bytes, hence the same key), must each
/// find their own slot, through growth and after `removeAll`.
@Suite struct NameTableTests {
    /// A name of `count` bytes with `variant` in its middle byte.
    static func name(_ count: Int, variant: UInt8 = 0) -> [UInt8] {
        var bytes = (0..<count).map { UInt8(ascii: "A") + UInt8($0 % 26) }
        bytes[count / 2] = UInt8(ascii: "a") + variant
        return bytes
    }

    @Test func everyNameFindsItsOwnSlotAndValue() {
        let table = NameTable()
        var expected: [([UInt8], [UInt8])] = []
        for count in 1...40 {
            for variant in UInt8(0)..<3 {
                let name = Self.name(count, variant: variant)
                let value = Array("value-\(count)-\(variant)".utf8)
                let slot = name.withUnsafeBytes { table.insert(name: $0) }
                value.withUnsafeBytes { table.setValue($0, at: slot) }
                expected.append((name, value))
            }
        }
        for (name, value) in expected {
            name.withUnsafeBytes { raw in
                let key = NameKey(raw.baseAddress!, count: raw.count, readable: raw.count)
                let slot = table.find(key, raw.baseAddress!)
                #expect(slot.map { Array(table.value(at: $0)) } == value, "\(name.count) bytes")
            }
        }
    }

    @Test func aNameInsertedTwiceKeepsOneSlot() {
        let table = NameTable()
        let name = Self.name(20)
        let first = name.withUnsafeBytes { table.insert(name: $0) }
        let second = name.withUnsafeBytes { table.insert(name: $0) }
        #expect(first == second)
        #expect(table.value(at: first).isEmpty)
    }

    @Test func renderResolutionsAreForgottenByRemoveAll() {
        let table = NameTable()
        let name = Self.name(24, variant: 1)
        let other = Self.name(24, variant: 2)
        name.withUnsafeBytes { raw in
            let key = NameKey(raw.baseAddress!, count: raw.count, readable: raw.count)
            let slot = table.insert(raw, key: key, .value(secret: true), value: Array("v".utf8))
            #expect(Array(table.value(at: slot)) == Array("v".utf8))
            if case .value(let secret) = table.resolution(at: slot) {
                #expect(secret)
            } else {
                Issue.record("expected a value")
            }
            other.withUnsafeBytes { #expect(table.find(key, $0.baseAddress!) == nil) }
            table.removeAll()
            #expect(table.find(key, raw.baseAddress!) == nil)
        }
    }
}
