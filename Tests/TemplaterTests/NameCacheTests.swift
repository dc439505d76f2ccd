import Testing

@testable import Templater

/// The name cache's inline comparison, on every length around its 8-byte steps and with the one
/// different byte in every position (a hash collision is the only way the renderer reaches it with two
/// different names, so it is tested directly).
@Suite struct NameCacheTests {
    @Test func sameBytesFindsADifferenceAtAnyPosition() {
        for count in 1...33 {
            let name = (0..<count).map { UInt8(ascii: "A") + UInt8($0 % 26) }
            name.withUnsafeBytes { a in
                let copy = name
                copy.withUnsafeBytes { b in
                    #expect(NameCache.sameBytes(a.baseAddress!, b.baseAddress!, count))
                }
                for position in 0..<count {
                    var other = name
                    other[position] = UInt8(ascii: "_")
                    other.withUnsafeBytes { b in
                        #expect(
                            !NameCache.sameBytes(a.baseAddress!, b.baseAddress!, count),
                            "length \(count), difference at \(position)")
                    }
                }
            }
        }
    }
}
