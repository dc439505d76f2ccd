internal import Glibc
import Platform

/// A place in a template: 1-based line and column, the column counted in characters (Unicode scalars,
/// as bash counts them), not bytes.
public struct SourceLocation: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The template's path, or `<stdin>`.
    public var path: String
    /// The 1-based line.
    public var line: Int
    /// The 1-based column, in Unicode scalars.
    public var column: Int

    /// Creates a location.
    public init(path: String, line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }

    /// `path:line:col`, as compilers print it (the path made `Diagnostic.printable`).
    public var description: String { "\(Diagnostic.printable(path)):\(line):\(column)" }
}

/// A line and column inside one template, before the path is attached.
///
/// Lines end at LF, CRLF and a lone CR (a file saved with classic Mac line ends is not one line).
public struct Position: Hashable, Sendable {
    /// The 1-based line.
    public var line: Int
    /// The 1-based column, in Unicode scalars.
    public var column: Int
    /// The last byte counted was a CR: a LF right after it (in the next `advanced`) ends no other
    /// line. Not part of the position's identity.
    private var afterCarriageReturn = false

    /// Creates a position.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The start of a template.
    public static let start = Position(line: 1, column: 1)

    /// Positions are equal when their line and column are.
    public static func == (left: Position, right: Position) -> Bool {
        left.line == right.line && left.column == right.column
    }

    /// Hashes the line and the column.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        hasher.combine(column)
    }

    /// This position after `bytes` (UTF-8 text): lines counted at LF, CRLF and lone CR, columns in
    /// scalars. A CRLF cut between two calls counts once.
    public func advanced(over bytes: UnsafeRawBufferPointer) -> Position {
        var result = self
        guard !bytes.isEmpty else { return result }
        var rest = bytes
        if afterCarriageReturn && bytes[0] == 0x0A {
            rest = UnsafeRawBufferPointer(rebasing: bytes[1...])
        }
        result.afterCarriageReturn = false
        let breaks = countNewlines(rest) + countLoneCarriageReturns(rest)
        if breaks == 0 {
            result.column += countScalars(rest)
            return result
        }
        result.line += breaks
        var lastBreak = rest.count - 1
        while rest[lastBreak] != 0x0A && rest[lastBreak] != 0x0D { lastBreak -= 1 }
        result.column =
            1 + countScalars(UnsafeRawBufferPointer(rebasing: rest[(lastBreak + 1)...]))
        result.afterCarriageReturn = rest[rest.count - 1] == 0x0D
        return result
    }
}

/// The number of CR bytes in `bytes` that are not followed by a LF (a CR at the very end counts: the
/// caller remembers it, see `Position`), found with `memchr`.
@inline(__always)
func countLoneCarriageReturns(_ bytes: UnsafeRawBufferPointer) -> Int {
    guard var cursor = bytes.baseAddress else { return 0 }
    let end = cursor + bytes.count
    var count = 0
    while cursor < end, let found = memchr(cursor, 0x0D, end - cursor) {
        let next = UnsafeRawPointer(found) + 1
        if next == end || next.load(as: UInt8.self) != 0x0A { count += 1 }
        cursor = next
    }
    return count
}

/// The number of `\n` bytes in `bytes`, eight at a time (`NameSyntax.bytesEqual`): the lexer counts
/// every window's lines before it reads the next, and a `memchr` per line of dense text was a tenth
/// of a render.
@inline(__always)
func countNewlines(_ bytes: UnsafeRawBufferPointer) -> Int {
    guard let base = bytes.baseAddress else { return 0 }
    let count = bytes.count
    var newlines = 0
    var index = 0
    while index &+ 8 <= count {
        let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        // One bit per newline, summed into the top byte by the multiplication (no POPCNT in the
        // baseline x86-64 target).
        let marks = NameSyntax.bytesEqual(word, to: 0x0A) >> 7
        newlines &+= Int(truncatingIfNeeded: (marks &* 0x0101_0101_0101_0101) >> 56)
        index &+= 8
    }
    while index < count {
        if base.load(fromByteOffset: index, as: UInt8.self) == 0x0A { newlines &+= 1 }
        index &+= 1
    }
    return newlines
}

/// The number of Unicode scalars in UTF-8 `bytes`: every byte that is not a continuation byte (an invalid
/// byte counts as one character, as bash counts it). Eight bytes at a time: a continuation byte is the
/// one whose top bits are `10`.
@inline(__always)
func countScalars(_ bytes: UnsafeRawBufferPointer) -> Int {
    guard let base = bytes.baseAddress else { return 0 }
    let count = bytes.count
    var continuation = 0
    var index = 0
    while index + 8 <= count {
        let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        // One bit per continuation byte, summed into the top byte by the multiplication (no POPCNT in the
        // baseline x86-64 target).
        let marks = (word & ~(word << 1) & 0x8080_8080_8080_8080) >> 7
        continuation &+= Int(truncatingIfNeeded: (marks &* 0x0101_0101_0101_0101) >> 56)
        index += 8
    }
    while index < count {
        if base.load(fromByteOffset: index, as: UInt8.self) & 0xC0 == 0x80 { continuation += 1 }
        index += 1
    }
    return count - continuation
}
