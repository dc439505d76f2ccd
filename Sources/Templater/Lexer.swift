import Platform

/// One piece of a template, as the lexer finds it. Byte buffers are valid until the next `next()` call;
/// offsets count bytes from the start of the template (`Lexer.position(at:)` turns them into lines and
/// columns).
public enum Token {
    /// Text without any `$`: copied as is. Runs are as long as the read buffer allows.
    case text(UnsafeRawBufferPointer)
    /// `$$`: a literal `$` (the Docker Compose convention).
    case dollar
    /// `$NAME`; the buffer holds the name.
    case bareReference(name: UnsafeRawBufferPointer, offset: Int)
    /// `${NAME}`: the name, and the whole reference's text.
    case bracedName(name: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer, offset: Int)
    /// `${...}` with an operator, up to its matching `}`; the buffer holds the whole reference, `${` and
    /// `}` included.
    case bracedReference(UnsafeRawBufferPointer, offset: Int)
    /// `${...` without its `}` before the end of the input; the buffer holds the rest of the input.
    case unterminated(UnsafeRawBufferPointer, offset: Int)
}

/// The render-mode lexer: scans a template in chunks, finding every `$` with `memchr` and handing back
/// the runs between them untouched, and the extent of each reference (matching `${`/`}`, honouring `\`
/// escapes and nested `${...}`). The parser turns a reference's bytes into a `Reference`.
///
/// Lines and columns are counted only when asked for (a diagnostic) and once per read buffer, so the
/// text runs cost a `memchr` and a copy; memory stays at one read buffer unless a single reference is
/// longer.
public struct Lexer {
    private let input: ByteInput
    /// The current window of the input, cached: `input.window` after the last read.
    private var base: UnsafeRawPointer
    private var count: Int
    /// The first byte of the window not handed out yet.
    private var cursor = 0
    /// Lines and columns are known up to this index of the window.
    private var counted = 0
    private var countedPosition = Position.start

    /// Scans `input`.
    public init(_ input: ByteInput) {
        self.input = input
        let window = input.window
        self.base = window.baseAddress ?? UnsafeRawPointer(bitPattern: 1).unsafelyUnwrapped
        self.count = window.count
    }

    /// The line and column of byte `offset` of the template. Offsets must not decrease from one call to
    /// the next, and must belong to the current token or a later one.
    public mutating func position(at offset: Int) -> Position {
        let index = offset - input.offset
        if index > counted {
            countedPosition = countedPosition.advanced(
                over: UnsafeRawBufferPointer(start: base + counted, count: index - counted))
            counted = index
        }
        return countedPosition
    }

    /// The next token, or nil at the end of the input.
    @inline(__always)
    public mutating func next() throws(SystemError) -> Token? {
        if cursor == count {
            guard try more() else { return nil }
        }
        let start = base + cursor
        guard let dollar = memchr(start, 0x24, count - cursor) else {
            let text = UnsafeRawBufferPointer(start: start, count: count - cursor)
            cursor = count
            return .text(text)
        }
        let length = start.distance(to: UnsafeRawPointer(dollar))
        if length > 0 {
            cursor += length
            return .text(UnsafeRawBufferPointer(start: start, count: length))
        }
        return try reference()
    }

    /// The byte at window index `index`.
    @inline(__always)
    private func byte(_ index: Int) -> UInt8 {
        base.load(fromByteOffset: index, as: UInt8.self)
    }

    /// The token at the `$` at `cursor`.
    @inline(__always)
    private mutating func reference() throws(SystemError) -> Token {
        if cursor + 2 > count {
            guard try ensure(2) else {
                let text = UnsafeRawBufferPointer(start: base + cursor, count: count - cursor)
                cursor = count
                return .text(text)
            }
        }
        let offset = input.offset + cursor
        let second = byte(cursor + 1)
        if second == 0x7B {
            // The common case first: `${NAME}`.
            var end = cursor + 2
            if end < count && NameSyntax.startsName(byte(end)) {
                end += 1
                while end < count && NameSyntax.continuesName(byte(end)) { end += 1 }
                if end < count && byte(end) == 0x7D {
                    let text = UnsafeRawBufferPointer(start: base + cursor, count: end + 1 - cursor)
                    let name = UnsafeRawBufferPointer(
                        start: base + cursor + 2, count: end - cursor - 2)
                    cursor = end + 1
                    return .bracedName(name: name, text: text, offset: offset)
                }
            }
            return try braced(offset: offset)
        }
        if NameSyntax.startsName(second) {
            var end = 2
            while true {
                while cursor + end < count && NameSyntax.continuesName(byte(cursor + end)) { end += 1 }
                if cursor + end < count { break }
                if !(try ensure(end + 1)) { break }
            }
            let name = UnsafeRawBufferPointer(start: base + cursor + 1, count: end - 1)
            cursor += end
            return .bareReference(name: name, offset: offset)
        }
        if second == 0x24 {
            cursor += 2
            return .dollar
        }
        cursor += 1
        return .text(UnsafeRawBufferPointer(start: base + cursor - 1, count: 1))
    }

    /// Finds the `}` matching the `${` at `cursor`.
    private mutating func braced(offset: Int) throws(SystemError) -> Token {
        var index = 2
        var depth = 1
        while true {
            scanning: while cursor + index < count {
                switch byte(cursor + index) {
                case 0x5C:  // `\` escapes the next byte
                    index += 2
                case 0x24:  // `$`: `${` nests, `$$` is a literal `$`
                    guard cursor + index + 1 < count else { break scanning }
                    let next = byte(cursor + index + 1)
                    index += next == 0x7B || next == 0x24 ? 2 : 1
                    if next == 0x7B { depth += 1 }
                case 0x7D:
                    depth -= 1
                    if depth == 0 {
                        let text = UnsafeRawBufferPointer(start: base + cursor, count: index + 1)
                        cursor += index + 1
                        return .bracedReference(text, offset: offset)
                    }
                    index += 1
                default:
                    index += 1
                }
            }
            if !(try more()) {
                let rest = UnsafeRawBufferPointer(start: base + cursor, count: count - cursor)
                cursor = count
                return .unterminated(rest, offset: offset)
            }
        }
    }

    /// Reads until the window holds at least `needed` bytes from `cursor`; false if the input ends first.
    private mutating func ensure(_ needed: Int) throws(SystemError) -> Bool {
        while count - cursor < needed {
            if !(try more()) { return false }
        }
        return true
    }

    /// Hands the handled bytes back to the input (counting their lines first, in case a later
    /// diagnostic needs them) and reads more; the bytes from `cursor` on move to the front of the window.
    private mutating func more() throws(SystemError) -> Bool {
        _ = position(at: input.offset + cursor)
        input.consume(cursor)
        cursor = 0
        counted = 0
        let added = try input.refill()
        let window = input.window
        base = window.baseAddress ?? base
        count = window.count
        return added
    }
}

// MARK: - The renderer's window fast path

extension Lexer {
    /// The bytes of the current window not handed out yet (no read is made).
    var remaining: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + cursor, count: count - cursor)
    }

    /// Hands out the first `length` bytes of `remaining` without tokens: the caller has copied them.
    mutating func skip(_ length: Int) {
        cursor += length
    }
}
