import Platform

/// One piece of a template, as the lexer finds it: what it is, and where its bytes are, as offsets
/// from the start of the template (`Lexer.bytes(_:)` reads them while the token is current,
/// `Lexer.position(at:)` turns an offset into a line and a column).
public enum Token: Equatable, Sendable {
    /// Text without any `$`: copied as is. Runs are as long as the read buffer allows.
    case text(Range<Int>)
    /// `$$`: a literal `$` (the Docker Compose convention).
    case dollar
    /// `$NAME`: the whole reference; the name follows its `$`.
    case bareReference(Range<Int>)
    /// `${NAME}`: the whole reference; the name is between its `${` and `}`.
    case bracedName(Range<Int>)
    /// `${...}` with an operator, up to its matching `}`, `${` and `}` included.
    case bracedReference(Range<Int>)
    /// `${...` without its `}` before the end of the input: the rest of the input.
    case unterminated(Range<Int>)
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
        guard let dollar = firstDollar(base, from: cursor, count: count) else {
            return .text(take(count - cursor))
        }
        if dollar > cursor { return .text(take(dollar - cursor)) }
        return try reference()
    }

    /// The byte at window index `index`.
    @inline(__always)
    private func byte(_ index: Int) -> UInt8 {
        base.load(fromByteOffset: index, as: UInt8.self)
    }

    /// The next `length` bytes from `cursor`, handed out: their offsets in the template.
    @inline(__always)
    private mutating func take(_ length: Int) -> Range<Int> {
        let start = input.offset + cursor
        cursor += length
        return start..<start + length
    }

    /// The token at the `$` at `cursor`: `$NAME` and `${NAME}` as `ReferenceScanner` recognises them,
    /// `$$`, a lone `$`, or a braced reference with an operator.
    @inline(__always)
    private mutating func reference() throws(SystemError) -> Token {
        while true {
            switch ReferenceScanner.scan(
                base, dollar: cursor, count: count, atEnd: input.reachedEnd)
            {
            case .name(_, _, let end, let braced):
                let range = take(end - cursor)
                return braced ? .bracedName(range) : .bareReference(range)
            case .cut:
                if count - cursor >= 2 && byte(cursor + 1) == 0x7B {
                    return try braced()
                }
                // A `$` or a name at the end of the window: read until the window has doubled (or
                // the input ends), so that a very long name is scanned again a few times at most.
                _ = try ensure(max(2, 2 * (count - cursor)))
            case .noName, .unclosed:
                if count - cursor >= 2 {
                    switch byte(cursor + 1) {
                    case 0x7B: return try braced()
                    case 0x24:
                        cursor += 2
                        return .dollar
                    default: break
                    }
                }
                return .text(take(1))
            }
        }
    }

    /// Finds the `}` matching the `${` at `cursor`.
    private mutating func braced() throws(SystemError) -> Token {
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
                    if depth == 0 { return .bracedReference(take(index + 1)) }
                    index += 1
                default:
                    index += 1
                }
            }
            if !(try more()) { return .unterminated(take(count - cursor)) }
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

// MARK: - Bytes, and the renderer's window fast path

extension Lexer {
    /// The bytes at `range`, offsets in the template that belong to the current token. Valid until the
    /// next `next()` or `skip(_:)`.
    @inline(__always)
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + (range.lowerBound - input.offset), count: range.count)
    }

    /// The bytes of the current window not handed out yet (no read is made).
    var remaining: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + cursor, count: count - cursor)
    }

    /// Hands out the first `length` bytes of `remaining` without tokens: the caller has copied them.
    mutating func skip(_ length: Int) {
        cursor += length
    }
}

// MARK: - Elements

extension Lexer {
    /// The next token with its reference parsed, or nil at the end of the input: the one dispatch of
    /// the renderer and of `templater vars`.
    @inline(__always)
    public mutating func nextElement() throws(SystemError) -> TemplateElement? {
        guard let token = try next() else { return nil }
        switch token {
        case .text(let range):
            return .text(range)
        case .dollar:
            return .dollar
        case .bareReference(let range):
            return .name(range.lowerBound + 1..<range.upperBound, reference: range, braced: false)
        case .bracedName(let range):
            return .name(
                range.lowerBound + 2..<range.upperBound - 1, reference: range, braced: true)
        case .bracedReference(let range):
            do throws(SyntaxError) {
                let reference = try Parser.parseBraced(
                    Array(bytes(range)), at: position(at: range.lowerBound))
                return .reference(reference, text: range)
            } catch {
                return .invalid(error)
            }
        case .unterminated(let range):
            return .invalid(.unterminated(at: position(at: range.lowerBound)))
        }
    }
}
