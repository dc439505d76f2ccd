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
    /// `${...}` up to its matching `}`; the buffer holds the whole reference, `${` and `}` included.
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
    /// The first byte of the window not handed out yet.
    private var cursor = 0
    /// Lines and columns are known up to this index of the window.
    private var counted = 0
    private var countedPosition = Position.start

    /// Scans `input`.
    public init(_ input: ByteInput) {
        self.input = input
    }

    /// The line and column of byte `offset` of the template. Offsets must not decrease from one call to
    /// the next, and must belong to the current token or a later one.
    public mutating func position(at offset: Int) -> Position {
        let index = offset - input.offset
        if index > counted {
            countedPosition = countedPosition.advanced(
                over: UnsafeRawBufferPointer(rebasing: input.window[counted..<index]))
            counted = index
        }
        return countedPosition
    }

    /// The next token, or nil at the end of the input.
    public mutating func next() throws(SystemError) -> Token? {
        if cursor == input.window.count {
            guard try more() else { return nil }
        }
        let window = input.window
        let rest = UnsafeRawBufferPointer(rebasing: window[cursor...])
        guard let base = rest.baseAddress else { return nil }
        guard let dollar = memchr(base, 0x24, rest.count) else {
            cursor = window.count
            return .text(rest)
        }
        let length = base.distance(to: UnsafeRawPointer(dollar))
        if length > 0 {
            cursor += length
            return .text(UnsafeRawBufferPointer(rebasing: rest[0..<length]))
        }
        return try reference()
    }

    /// The token at the `$` at `cursor`.
    private mutating func reference() throws(SystemError) -> Token {
        let start = cursor
        guard try ensure(2) else {
            cursor = input.window.count
            return .text(UnsafeRawBufferPointer(rebasing: input.window[start...]))
        }
        let offset = input.offset + cursor
        let second = input.window[cursor + 1]
        if second == 0x24 {
            cursor += 2
            return .dollar
        }
        if isNameStart(second) {
            var end = 2
            while true {
                let window = input.window
                while cursor + end < window.count && isNameByte(window[cursor + end]) { end += 1 }
                if cursor + end < window.count { break }
                if !(try ensure(end + 1)) { break }
            }
            let name = UnsafeRawBufferPointer(rebasing: input.window[(cursor + 1)..<(cursor + end)])
            cursor += end
            return .bareReference(name: name, offset: offset)
        }
        if second == 0x7B {
            return try braced(offset: offset)
        }
        cursor += 1
        return .text(UnsafeRawBufferPointer(rebasing: input.window[start..<cursor]))
    }

    /// Finds the `}` matching the `${` at `cursor`.
    private mutating func braced(offset: Int) throws(SystemError) -> Token {
        // The common case first: `${NAME}`.
        let whole = input.window
        var end = cursor + 2
        if end < whole.count && isNameStart(whole[end]) {
            end += 1
            while end < whole.count && isNameByte(whole[end]) { end += 1 }
            if end < whole.count && whole[end] == 0x7D {
                let text = UnsafeRawBufferPointer(rebasing: whole[cursor...end])
                cursor = end + 1
                return .bracedReference(text, offset: offset)
            }
        }
        var index = 2
        var depth = 1
        while true {
            let window = UnsafeRawBufferPointer(rebasing: input.window[cursor...])
            scanning: while index < window.count {
                switch window[index] {
                case 0x5C:  // `\` escapes the next byte
                    index += 2
                case 0x24:  // `$`: `${` nests, `$$` is a literal `$`
                    guard index + 1 < window.count else { break scanning }
                    let next = window[index + 1]
                    index += next == 0x7B || next == 0x24 ? 2 : 1
                    if next == 0x7B { depth += 1 }
                case 0x7D:
                    depth -= 1
                    if depth == 0 {
                        cursor += index + 1
                        return .bracedReference(UnsafeRawBufferPointer(rebasing: window[0...index]), offset: offset)
                    }
                    index += 1
                default:
                    index += 1
                }
            }
            if !(try more()) {
                let rest = UnsafeRawBufferPointer(rebasing: input.window[cursor...])
                cursor = input.window.count
                return .unterminated(rest, offset: offset)
            }
        }
    }

    /// Reads until the window holds at least `count` bytes from `cursor`; false if the input ends first.
    private mutating func ensure(_ count: Int) throws(SystemError) -> Bool {
        while input.window.count - cursor < count {
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
        return try input.refill()
    }
}
