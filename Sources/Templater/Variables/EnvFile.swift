import Platform

/// A Docker Compose `.env` file: `NAME=value` lines, blank lines and `#` comments, an optional `export `
/// prefix, single quotes (literal, may span lines, `\'` escapes a quote), double quotes (may span lines;
/// `\n`, `\r`, `\t`, `\\`, `\"`, `\$` escapes), unquoted values trimmed and cut at ` #` comments.
///
/// Unquoted and double-quoted values are interpolated (`${NAME}`, `${NAME:-default}`, ... against the
/// process environment, then the earlier lines), as Compose does; single-quoted values never are.
public struct EnvFile: Sendable {
    /// One assignment.
    public struct Entry: Equatable, Sendable {
        /// The variable's name.
        public var name: String
        /// The value after unquoting and escapes (not yet interpolated), as bytes: render mode
        /// substitutes them as they are, UTF-8 or not.
        public var bytes: [UInt8]
        /// The value as text (each byte that is not UTF-8 replaced with U+FFFD).
        public var value: String { String(decoding: bytes, as: UTF8.self) }
        /// Whether Compose would interpolate the value (unquoted or double-quoted).
        public var interpolated: Bool
        /// Where the value starts.
        public var position: Position
    }

    /// The assignments in file order.
    public private(set) var entries: [Entry]
    /// The file's path, for messages.
    public let path: String

    /// Reads and parses the file at `path`, at most `InputFile.sizeLimit` bytes (errors name it as
    /// `PATH (--env-file)`).
    public init(path: String) throws(TemplaterError) {
        try self.init(bytes: InputFile.read(path, label: "--env-file"), path: path)
    }

    /// Parses `bytes`; `path` names them in diagnostics.
    public init(bytes: [UInt8], path: String) throws(TemplaterError) {
        self.path = path
        var scanner = EnvFileScanner(bytes: bytes, path: path)
        self.entries = try scanner.entries()
    }
}

/// The line-oriented scanner behind `EnvFile`.
private struct EnvFileScanner {
    let bytes: [UInt8]
    let path: String
    var index = 0
    var line = 1
    var lineStart = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    mutating func entries() throws(TemplaterError) -> [EnvFile.Entry] {
        var result: [EnvFile.Entry] = []
        while index < bytes.count {
            skip { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            guard let byte = peek() else { break }
            if byte == 0x0A {
                newline()
                continue
            }
            if byte == 0x23 {  // comment line
                skip { $0 != 0x0A }
                continue
            }
            if matches("export ") || matches("export\t") {
                index += 7
                skip { $0 == 0x20 || $0 == 0x09 }
            }
            let nameStart = index
            skip { $0 != 0x3D && $0 != 0x0A && $0 != 0x20 && $0 != 0x09 && $0 != 0x23 }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
            skip { $0 == 0x20 || $0 == 0x09 }
            if peek() != 0x3D {
                if name.isEmpty || peek() == 0x23 || peek() == nil || peek() == 0x0A {
                    // `NAME` alone: Compose takes it from the process environment, which wins anyway.
                    if !name.isEmpty && !isValidName(name) {
                        throw error("invalid variable name '\(name)'", at: nameStart)
                    }
                    skip { $0 != 0x0A }
                    continue
                }
                throw error("expected '=' after '\(name)'", at: index)
            }
            guard isValidName(name) else {
                throw error("invalid variable name '\(name)'", at: nameStart)
            }
            index += 1  // =
            skip { $0 == 0x20 || $0 == 0x09 }
            let position = self.position(at: index)
            let (value, interpolated) = try self.value()
            result.append(
                EnvFile.Entry(
                    name: name, bytes: value, interpolated: interpolated, position: position))
        }
        return result
    }

    /// The value after `=`, up to the end of its line (or closing quote).
    private mutating func value() throws(TemplaterError) -> ([UInt8], Bool) {
        switch peek() {
        case 0x27:  // '
            let value = try quoted(by: 0x27) { (scanner) throws(TemplaterError) -> [UInt8] in
                let next = scanner.peek()
                if next == 0x27 || next == 0x5C {
                    scanner.index += 1
                    return [next ?? 0]
                }
                return [0x5C]
            }
            return (value, false)
        case 0x22:  // "
            let value = try quoted(by: 0x22) { (scanner) throws(TemplaterError) -> [UInt8] in
                guard let next = scanner.peek() else { return [0x5C] }
                scanner.index += 1
                switch next {
                case 0x6E: return [0x0A]  // \n
                case 0x72: return [0x0D]  // \r
                case 0x74: return [0x09]  // \t
                case 0x5C, 0x22, 0x27: return [next]
                // `\$` becomes `$$`, the literal `$` of interpolation.
                case 0x24: return [0x24, 0x24]
                default: return [0x5C, next]
                }
            }
            return (value, true)
        default:
            let start = index
            var end = index
            while let byte = peek(), byte != 0x0A {
                if byte == 0x23 && index > start
                    && (bytes[index - 1] == 0x20 || bytes[index - 1] == 0x09)
                {
                    break
                }
                index += 1
                if byte != 0x20 && byte != 0x09 && byte != 0x0D { end = index }
            }
            skip { $0 != 0x0A }
            return (Array(bytes[start..<end]), true)
        }
    }

    /// A quoted value; `escape` handles what follows a backslash.
    private mutating func quoted(
        by quote: UInt8, escape: (inout EnvFileScanner) throws(TemplaterError) -> [UInt8]
    ) throws(TemplaterError) -> [UInt8] {
        let open = position(at: index)
        index += 1
        var value: [UInt8] = []
        while let byte = peek() {
            index += 1
            if byte == quote {
                // After the closing quote: blanks, then an optional comment, then the end of the line.
                skip { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
                if let next = peek(), next != 0x0A && next != 0x23 {
                    throw error("unexpected text after the closing quote", at: index)
                }
                skip { $0 != 0x0A }
                return value
            }
            if byte == 0x0A {
                line += 1
                lineStart = index
            }
            if byte == 0x5C {
                value.append(contentsOf: try escape(&self))
            } else {
                value.append(byte)
            }
        }
        throw error("unterminated quoted value", at: open)
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func matches(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        return index + utf8.count <= bytes.count && Array(bytes[index..<index + utf8.count]) == utf8
    }

    private mutating func skip(while predicate: (UInt8) -> Bool) {
        while let byte = peek(), predicate(byte) { index += 1 }
    }

    private mutating func newline() {
        index += 1
        line += 1
        lineStart = index
    }

    private func position(at offset: Int) -> Position {
        bytes.withUnsafeBytes { raw in
            Position(line: line, column: 1).advanced(
                over: UnsafeRawBufferPointer(rebasing: raw[lineStart..<offset]))
        }
    }

    private func error(_ message: String, at offset: Int) -> TemplaterError {
        error(message, at: position(at: offset))
    }

    private func error(_ message: String, at position: Position) -> TemplaterError {
        .diagnostics([
            Diagnostic(
                .error,
                at: SourceLocation(path: path, line: position.line, column: position.column),
                message)
        ])
    }
}
