/// A pattern or a replacement as the renderer evaluates it: bytes, each flagged literal (escaped in
/// the template, or `$$`) or active (wildcards, `&`, a nested value's backslashes).
struct PatternText {
    /// The text.
    var bytes: [UInt8] = []
    /// `literal[i]` tells whether `bytes[i]` was escaped.
    var literal: [Bool] = []

    /// Whether there is no text.
    var isEmpty: Bool { bytes.isEmpty }

    /// Appends `text`, every byte flagged `literal`.
    mutating func append<C: Collection<UInt8>>(_ text: C, literal flag: Bool) {
        bytes.append(contentsOf: text)
        literal.append(contentsOf: repeatElement(flag, count: text.count))
    }

    /// Appends another pattern text, flags kept.
    mutating func append(_ other: PatternText) {
        bytes += other.bytes
        literal += other.literal
    }

    /// The units of the text and their flags (a unit is literal when its first byte is), decoded as
    /// characters, or byte by byte (`bytewise`).
    func units(bytewise: Bool) -> [(unit: UInt32, literal: Bool)] {
        let decoded = bytewise ? CharacterUnits.bytewise(bytes) : CharacterUnits.decode(bytes)
        var result: [(unit: UInt32, literal: Bool)] = []
        result.reserveCapacity(decoded.units.count)
        for (index, unit) in decoded.units.enumerated() {
            result.append((unit, literal[decoded.offsets[index]]))
        }
        return result
    }
}
