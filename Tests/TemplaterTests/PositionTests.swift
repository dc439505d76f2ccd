import Testing

@testable import Templater

/// Line counting, which the lexer does for every window eight bytes at a time: newlines at every
/// offset around the word steps, and texts of every length, count as a byte loop counts them.
@Suite struct PositionTests {
    @Test func newlinesAreCountedAtEveryOffset() {
        for length in 0...40 {
            for newline in stride(from: 0, to: length, by: 1) {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                bytes[newline] = 0x0A
                if length > 20 { bytes[length - 1] = 0x0A }
                let expected = bytes.filter { $0 == 0x0A }.count
                bytes.withUnsafeBytes { raw in
                    #expect(countNewlines(raw) == expected, "\(length) bytes, LF at \(newline)")
                    let position = Position.start.advanced(over: raw)
                    #expect(position.line == 1 + expected, "\(length) bytes, LF at \(newline)")
                }
            }
        }
    }

    @Test func aByteNextToANewlineIsNotCounted() {
        // 0x0B and 0x09 differ from LF in one bit; 0x8A in the high bit only.
        let bytes: [UInt8] = [0x0B, 0x09, 0x8A, 0x0A, 0x0E, 0x4A, 0x0A, 0xFF, 0x0A, 0x00]
        bytes.withUnsafeBytes { #expect(countNewlines($0) == 3) }
    }
}
