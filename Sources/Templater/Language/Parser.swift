/// A syntax error inside a reference: what is wrong and where.
public struct SyntaxError: Error, Equatable, Sendable {
    /// What is wrong, e.g. `expected a variable name after '${'`.
    public var message: String
    /// Where, in the template.
    public var position: Position
    /// Hints.
    public var notes: [String]

    /// Creates a syntax error.
    public init(_ message: String, at position: Position, notes: [String] = []) {
        self.message = message
        self.position = position
        self.notes = notes
    }
}

extension SyntaxError {
    /// A `${` without its `}`.
    static func unterminated(at position: Position) -> SyntaxError {
        SyntaxError(
            "unterminated '${': no matching '}'", at: position,
            notes: ["write $${ for a literal '${', or \\} for a '}' inside a word"])
    }
}

/// Turns the bytes of one reference (`$NAME` or a whole `${...}` as the lexer delimits it) into a
/// `Reference`, nested words and references included.
///
/// Inside `${...}`, a backslash makes the next character literal (`\}`, `\$`, `\/`, `\*`, `\\`), `$$` is a
/// literal `$`, and quotes are ordinary characters (a template is not a shell command).
///
/// References nest at most `maximumDepth` deep: parsing, rendering and freeing a syntax tree recurse
/// once per level, and a template of ten thousand nested `${A:-` would otherwise overflow the stack.
public struct Parser {
    /// How deep references may nest (`${A:-${B:-x}}` is two): far beyond any real config. Rendering
    /// 64 levels runs in a 512 KiB stack in a debug build (`ulimit -s 512`; it fails at 256 KiB), well
    /// inside the main thread's 8 MiB.
    public static let maximumDepth = 64

    private let bytes: [UInt8]
    private var index = 0
    private let start: Position
    /// How many references enclose the one being parsed.
    private var depth = 0

    /// Parses a braced reference: `text` runs from `$` to the matching `}`; `position` is the `$`'s.
    public static func parseBraced(_ text: [UInt8], at position: Position) throws(SyntaxError)
        -> Reference
    {
        var parser = Parser(bytes: text, start: position)
        return try parser.reference()
    }

    private init(bytes: [UInt8], start: Position) {
        self.bytes = bytes
        self.start = start
    }

    // MARK: - References

    /// A reference at `index` (which is at a `$` followed by `{` or a name).
    private mutating func reference() throws(SyntaxError) -> Reference {
        let begin = index
        if depth >= Parser.maximumDepth {
            throw SyntaxError(
                "references nested more than \(Parser.maximumDepth) deep", at: position(at: begin),
                notes: ["render in steps, or set the inner value in the environment"])
        }
        depth += 1
        defer { depth -= 1 }
        index += 1  // `$`
        if peek() != 0x7B {
            let name = self.name()
            return Reference(
                name: name, braced: false, operation: .value, position: position(at: begin),
                text: Array(bytes[begin..<index]))
        }
        index += 1  // `{`
        if peek() == 0x23, let next = peek(1), NameSyntax.startsName(next) {
            index += 1
            let name = self.name()
            try expectClosingBrace(after: "${#\(name)", begin: begin)
            return finish(name: name, operation: .length, begin: begin)
        }
        guard let first = peek(), NameSyntax.startsName(first) else {
            throw SyntaxError(
                "expected a variable name after '${'", at: position(at: begin),
                notes: ["write $${ for a literal '${'"])
        }
        let name = self.name()
        let operation = try self.operation(name: name, begin: begin)
        return finish(name: name, operation: operation, begin: begin)
    }

    private func finish(name: String, operation: Operation, begin: Int) -> Reference {
        Reference(
            name: name, braced: true, operation: operation, position: position(at: begin),
            text: Array(bytes[begin..<index]))
    }

    /// The operator after `${NAME`, its words, and the closing `}`.
    private mutating func operation(name: String, begin: Int) throws(SyntaxError) -> Operation {
        guard let byte = peek() else { throw unterminated(begin) }
        index += 1
        switch byte {
        case 0x7D:  // }
            return .value
        case 0x3A:  // :
            switch peek() {
            case 0x2D:  // :-
                index += 1
                return .useDefault(try word(until: [], begin: begin), colon: true)
            case 0x3D:  // :=
                index += 1
                return .assignDefault(try word(until: [], begin: begin), colon: true)
            case 0x3F:  // :?
                index += 1
                return .errorIfUnset(try word(until: [], begin: begin), colon: true)
            case 0x2B:  // :+
                index += 1
                return .alternative(try word(until: [], begin: begin), colon: true)
            default:
                return try substring(name: name, begin: begin)
            }
        case 0x2D:
            return .useDefault(try word(until: [], begin: begin), colon: false)
        case 0x3D:
            return .assignDefault(try word(until: [], begin: begin), colon: false)
        case 0x3F:
            return .errorIfUnset(try word(until: [], begin: begin), colon: false)
        case 0x2B:
            return .alternative(try word(until: [], begin: begin), colon: false)
        case 0x23:  // # ##
            let longest = take(0x23)
            return .removePrefix(try word(until: [], begin: begin), longest: longest)
        case 0x25:  // % %%
            let longest = take(0x25)
            return .removeSuffix(try word(until: [], begin: begin), longest: longest)
        case 0x5E:  // ^ ^^
            let all = take(0x5E)
            let pattern = try word(until: [], begin: begin)
            return .changeCase(
                all ? .upperAll : .upperFirst, pattern: pattern.isEmpty ? nil : pattern)
        case 0x2C:  // , ,,
            let all = take(0x2C)
            let pattern = try word(until: [], begin: begin)
            return .changeCase(
                all ? .lowerAll : .lowerFirst, pattern: pattern.isEmpty ? nil : pattern)
        case 0x2F:  // / // /# /%
            var mode = ReplaceMode.first
            if take(0x2F) {
                mode = .all
            } else if take(0x23) {
                mode = .prefix
            } else if take(0x25) {
                mode = .suffix
            }
            // bash: in `${N///r}` the pattern is `/` (after `//`, a leading `/` belongs to the pattern).
            let leadingSlash = mode == .all && take(0x2F)
            var pattern = try word(until: [0x2F], begin: begin)
            if leadingSlash { pattern.parts.insert(.text([0x2F]), at: 0) }
            if bytes[index - 1] == 0x7D {
                return .replace(pattern, with: nil, mode: mode)
            }
            return .replace(pattern, with: try word(until: [], begin: begin), mode: mode)
        default:
            index -= 1
            let character = scalar(at: index)
            throw SyntaxError(
                "unexpected '\(character)' after '${\(name)'", at: position(at: index),
                notes: [
                    "operators are :- - := = :? ? :+ + # ## % %% / // /# /% ^ ^^ , ,, :offset:length; "
                        + "write $${ for a literal '${'"
                ])
        }
    }

    /// `${N:offset}` or `${N:offset:length}`, the `:` already read.
    private mutating func substring(name: String, begin: Int) throws(SyntaxError) -> Operation {
        let offset = try integer(name: name, what: "offset", begin: begin) ?? 0
        if take(0x7D) { return .substring(offset: offset, length: nil) }
        guard take(0x3A) else { throw badArithmetic(name: name, what: "offset") }
        let length = try integer(name: name, what: "length", begin: begin) ?? 0
        guard take(0x7D) else { throw badArithmetic(name: name, what: "length") }
        return .substring(offset: offset, length: length)
    }

    /// An integer with optional blanks, sign and parentheses (`-2`, ` -2`, `(-2)`); nil when empty.
    private mutating func integer(name: String, what: String, begin: Int) throws(SyntaxError)
        -> Int?
    {
        skipBlanks()
        let parenthesized = take(0x28)
        skipBlanks()
        var negative = false
        if take(0x2D) {
            negative = true
        } else {
            _ = take(0x2B)
        }
        skipBlanks()
        var value: Int?
        while let byte = peek(), byte >= 0x30 && byte <= 0x39 {
            let (times, overflow1) = (value ?? 0).multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte - 0x30))
            if overflow1 || overflow2 { throw badArithmetic(name: name, what: what) }
            value = sum
            index += 1
        }
        skipBlanks()
        if parenthesized && !take(0x29) { throw badArithmetic(name: name, what: what) }
        skipBlanks()
        if value == nil && (negative || parenthesized) {
            throw badArithmetic(name: name, what: what)
        }
        if index >= bytes.count { throw unterminated(begin) }
        return value.map { negative ? -$0 : $0 }
    }

    private func badArithmetic(name: String, what: String) -> SyntaxError {
        SyntaxError(
            "substring \(what) in '${\(name):...}' must be an integer", at: position(at: index),
            notes: [
                "arithmetic and variables are not supported here; write ${\(name): -2} or ${\(name):(-2)}"
            ])
    }

    // MARK: - Words

    /// A word up to a `}` (consumed) or, at depth 0, one of `stops` (consumed too).
    private mutating func word(until stops: [UInt8], begin: Int) throws(SyntaxError) -> Word {
        var parts: [WordPart] = []
        var text: [UInt8] = []
        var literal: [UInt8] = []
        func flushText() {
            if !text.isEmpty {
                parts.append(.text(text))
                text.removeAll()
            }
        }
        func flushLiteral() {
            if !literal.isEmpty {
                parts.append(.literal(literal))
                literal.removeAll()
            }
        }
        while let byte = peek() {
            if byte == 0x7D || stops.contains(byte) {
                index += 1
                flushText()
                flushLiteral()
                return Word(parts)
            }
            switch byte {
            case 0x5C:  // `\`: the next character is literal
                index += 1
                guard peek() != nil else { break }
                flushText()
                let end = scalarEnd(from: index)
                literal.append(contentsOf: bytes[index..<end])
                index = end
            case 0x24:  // `$`
                let next = peek(1)
                if next == 0x24 {
                    flushText()
                    literal.append(0x24)
                    index += 2
                } else if next == 0x7B || next.map(NameSyntax.startsName) == true {
                    flushText()
                    flushLiteral()
                    parts.append(.reference(try reference()))
                } else {
                    flushLiteral()
                    text.append(byte)
                    index += 1
                }
            default:
                flushLiteral()
                text.append(byte)
                index += 1
            }
        }
        throw unterminated(begin)
    }

    // MARK: - Bytes

    private func peek(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        if peek() == byte {
            index += 1
            return true
        }
        return false
    }

    private mutating func skipBlanks() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A { index += 1 }
    }

    private mutating func name() -> String {
        let nameStart = index
        while let byte = peek(), NameSyntax.continuesName(byte) { index += 1 }
        return String(decoding: bytes[nameStart..<index], as: UTF8.self)
    }

    private mutating func expectClosingBrace(after what: String, begin: Int) throws(SyntaxError) {
        guard let byte = peek() else { throw unterminated(begin) }
        if byte != 0x7D {
            throw SyntaxError(
                "unexpected '\(scalar(at: index))' after '\(what)'", at: position(at: index),
                notes: ["'${#NAME}' is the length of NAME and takes no operator"])
        }
        index += 1
    }

    private func unterminated(_ begin: Int) -> SyntaxError {
        .unterminated(at: position(at: begin))
    }

    /// The end of the UTF-8 sequence starting at `offset` (one byte for an invalid sequence).
    private func scalarEnd(from offset: Int) -> Int {
        var end = offset + 1
        while end < bytes.count && bytes[end] & 0xC0 == 0x80 && end - offset < 4 { end += 1 }
        return end
    }

    private func scalar(at offset: Int) -> String {
        String(decoding: bytes[offset..<scalarEnd(from: offset)], as: UTF8.self)
    }

    /// The template position of byte `offset` of this reference.
    private func position(at offset: Int) -> Position {
        bytes.withUnsafeBytes {
            start.advanced(over: UnsafeRawBufferPointer(rebasing: $0[0..<offset]))
        }
    }
}
