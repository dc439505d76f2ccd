/// Durations as people write them on command lines and in environment variables, and back.
///
/// Accepted: a bare number of seconds (`30`, `1.5`), or numbers with units `ms`, `s`, `m`, `h`, which
/// may be chained as in Go (`500ms`, `30s`, `2m`, `1m30s`). Anything else is an error that quotes the
/// input: a typo in a timeout never silently becomes a default (a usage error, exit 64).
public enum DurationFormat {
    /// Nanoseconds in one unit of each suffix.
    private static let units: [(suffix: String, nanoseconds: UInt64)] = [
        ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    /// The longest duration accepted: 100 days, far beyond any sensible wait, far below overflow.
    public static let maximum: UInt64 = 100 * 24 * 3_600_000_000_000

    /// Parses `text` (`30`, `30s`, `500ms`, `2m`, `1h`, `1.5s`, `1m30s`) into nanoseconds.
    ///
    /// - Throws: `InvalidDuration` naming `text` when it is empty, negative, has an unknown unit or
    ///   exceeds `maximum`.
    public static func parse(_ text: String) throws(InvalidDuration) -> UInt64 {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw InvalidDuration(input: text) }
        var index = 0
        var total: Double = 0
        while index < bytes.count {
            let numberStart = index
            while index < bytes.count, isDigit(bytes[index]) || bytes[index] == UInt8(ascii: ".") {
                index += 1
            }
            guard index > numberStart,
                let number = Double(String(decoding: bytes[numberStart..<index], as: UTF8.self))
            else { throw InvalidDuration(input: text) }
            let unitStart = index
            while index < bytes.count, isLetter(bytes[index]) { index += 1 }
            let unit = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            if unit.isEmpty {
                // A bare number is seconds, and only as the whole input (`1m30` is a typo).
                guard numberStart == 0, index == bytes.count else {
                    throw InvalidDuration(input: text)
                }
                total = number * 1e9
                break
            }
            guard let scale = units.first(where: { $0.suffix == unit })?.nanoseconds else {
                throw InvalidDuration(input: text)
            }
            total += number * Double(scale)
        }
        guard total.isFinite, total <= Double(maximum) else { throw InvalidDuration(input: text) }
        return UInt64(total.rounded())
    }

    /// A short text for a configured duration: `60s`, `500ms`, `1.5s`, `2m`.
    public static func format(_ nanoseconds: UInt64) -> String {
        let millisecond: UInt64 = 1_000_000
        let second: UInt64 = 1_000_000_000
        if nanoseconds < second {
            let milliseconds = (nanoseconds + millisecond / 2) / millisecond
            return "\(milliseconds)ms"
        }
        if nanoseconds % (60 * second) == 0 && nanoseconds >= 120 * second {
            return "\(nanoseconds / (60 * second))m"
        }
        let milliseconds = (nanoseconds + millisecond / 2) / millisecond
        var text = "\(milliseconds / 1000)"
        var fraction = milliseconds % 1000
        if fraction != 0 {
            var digits = ""
            var divisor: UInt64 = 100
            while fraction != 0 {
                digits += "\(fraction / divisor)"
                fraction %= divisor
                divisor /= 10
            }
            text += "." + digits
        }
        return text + "s"
    }

    /// An elapsed time with two decimals, as in `ready after 2.31s`.
    public static func seconds(_ nanoseconds: UInt64) -> String {
        let hundredths = (nanoseconds + 5_000_000) / 10_000_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)s"
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
