import Platform

/// One piece of a template, as the lexer finds it. Byte buffers are valid until the next `next()` call.
public enum Token {
    /// Text without any `$`: copied as is. Runs are as long as the read buffer allows.
    case text(UnsafeRawBufferPointer)
    /// `$$`: a literal `$` (the Docker Compose convention).
    case dollar(Position)
    /// `$NAME`; the buffer holds the name.
    case bareReference(name: UnsafeRawBufferPointer, at: Position)
    /// `${...}` up to its matching `}`; the buffer holds the whole reference, `${` and `}` included.
    case bracedReference(UnsafeRawBufferPointer, at: Position)
    /// `${...` without its `}` before the end of the input; the buffer holds the rest of the input.
    case unterminated(UnsafeRawBufferPointer, at: Position)
}

/// The render-mode lexer: scans a template in chunks, finding every `$` with `memchr` and handing back
/// the runs between them untouched, and the extent of each reference (matching `${`/`}`, honouring `\`
/// escapes and nested `${...}`). The parser turns a reference's bytes into a `Reference`.
///
/// Line and column are kept for every byte handed out, so diagnostics can name them; memory stays at one
/// read buffer unless a single reference is longer.
public struct Lexer {
    private let input: ByteInput
    /// Bytes of the last token, consumed at the next call.
    private var pending = 0
    /// Where the first unconsumed byte is.
    public private(set) var position = Position.start

    /// Scans `input`.
    public init(_ input: ByteInput) {
        self.input = input
    }

    /// The next token, or nil at the end of the input.
    public mutating func next() throws(SystemError) -> Token? {
        if pending > 0 {
            position = position.advanced(
                over: UnsafeRawBufferPointer(rebasing: input.window[0..<pending]))
            input.consume(pending)
            pending = 0
        }
        var window = input.window
        if window.isEmpty {
            guard try input.refill() else { return nil }
            window = input.window
        }
        guard let base = window.baseAddress else { return nil }
        guard let dollar = memchr(base, 0x24, window.count) else {
            pending = window.count
            return .text(window)
        }
        let index = base.distance(to: UnsafeRawPointer(dollar))
        if index > 0 {
            pending = index
            return .text(UnsafeRawBufferPointer(rebasing: window[0..<index]))
        }
        return try reference()
    }

    /// The token at a `$` at the start of the window.
    private mutating func reference() throws(SystemError) -> Token {
        guard try ensure(2) else {
            pending = 1
            return .text(input.window)
        }
        let second = input.window[1]
        if second == 0x24 {
            pending = 2
            return .dollar(position)
        }
        if isNameStart(second) {
            var end = 2
            while true {
                while end < input.window.count && isNameByte(input.window[end]) { end += 1 }
                if end < input.window.count { break }
                if !(try ensure(end + 1)) { break }
            }
            pending = end
            return .bareReference(
                name: UnsafeRawBufferPointer(rebasing: input.window[1..<end]), at: position)
        }
        if second == 0x7B {
            return try braced()
        }
        pending = 1
        return .text(UnsafeRawBufferPointer(rebasing: input.window[0..<1]))
    }

    /// Finds the `}` matching the `${` at the start of the window.
    private mutating func braced() throws(SystemError) -> Token {
        var index = 2
        var depth = 1
        while true {
            let window = input.window
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
                        pending = index + 1
                        return .bracedReference(
                            UnsafeRawBufferPointer(rebasing: window[0...index]), at: position)
                    }
                    index += 1
                default:
                    index += 1
                }
            }
            if !(try input.refill()) {
                pending = input.window.count
                return .unterminated(input.window, at: position)
            }
        }
    }

    /// Reads until the window holds at least `count` bytes; false if the input ends first.
    private func ensure(_ count: Int) throws(SystemError) -> Bool {
        while input.window.count < count {
            if !(try input.refill()) { return false }
        }
        return true
    }
}
