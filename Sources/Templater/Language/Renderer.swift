import Platform

/// Renders templates: the only place where variables are looked up.
///
/// Text between references is copied with one write per run; `$NAME` and `${NAME}` take a fast path
/// through a per-name cache (a `NameTable`); references with operators are parsed and expanded with bash's semantics.
/// Problems are collected as diagnostics (all of them, unless the policy says fail fast); after the first
/// error nothing more is written, since the output will be thrown away.
///
/// Values are bytes throughout: `${N}` copies the value's bytes exactly, valid UTF-8 or not, and the
/// operators decode characters only where they need them (`CharacterUnits`). No reference may expand
/// to more than `maximumExpansion` bytes (`${A//?/${A//?/$A}}` grows as the cube of `A`): the error is
/// located at the reference. SIGTERM and SIGINT end a render between references and inside the long
/// loops of matching and substitution (thrown as an interrupted read, `EINTR`).
public struct Renderer {
    /// The most bytes one reference may expand to: 16 MiB, far beyond any config value, and small
    /// enough that a render cannot exhaust memory.
    public static let maximumExpansion = 16 << 20

    /// The rendering choices.
    public let policy: RenderPolicy
    /// The values, including assignments made by `${N:=w}`.
    public private(set) var variables: Variables
    /// Every problem found so far, in order.
    public private(set) var diagnostics: [Diagnostic] = []
    /// Which names the templates referenced, when `trackUsage` is set (for `templater check`).
    public private(set) var usage = Usage()
    /// Record `usage` (costs a dictionary update per reference).
    public var trackUsage = false

    /// How many values of secret variables were substituted (a rendered file holding one gets no group
    /// or other access unless its mode is given).
    public private(set) var substitutedSecrets = 0

    private let cache = NameTable()
    private var path = ""
    /// Where the template starts in `path` (an env-file value starts mid-line).
    private var origin = Position.start

    /// Creates a renderer.
    public init(policy: RenderPolicy, variables: Variables) {
        self.policy = policy
        self.variables = variables
    }

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { errorCount > 0 }

    /// Whether rendering should stop: an error under `failFast`.
    public var shouldStop: Bool { policy.failFast && errorCount > 0 }

    private var errorCount = 0
    /// A reference expanded past `maximumExpansion`: nothing more is expanded.
    private var overflowed = false

    // MARK: - Templates

    /// Renders the template `input` to `output`. Read and write errors are thrown (as `.input` and
    /// `.output`); template problems are collected in `diagnostics`.
    public mutating func render(_ input: ByteInput, to output: ByteOutput) throws(TemplaterError) {
        path = input.name
        var lexer = Lexer(input)
        while true {
            // Plain references in the window first; the token path takes over where it stops.
            if errorCount == 0 && !trackUsage {
                do {
                    try copyPlainReferences(&lexer, to: output)
                } catch {
                    throw .output(path: output.name, error)
                }
            }
            let next: TemplateElement?
            do {
                next = try lexer.nextElement()
            } catch {
                throw .input(path: input.name, error)
            }
            guard let element = next, !shouldStop else { return }
            do {
                try emit(element, lexer: &lexer, to: output)
            } catch {
                throw .output(path: output.name, error)
            }
            if interruptPending() {
                throw .input(path: input.name, SystemError(.interrupted, operation: "render"))
            }
        }
    }

    /// Writes one element's rendering.
    @inline(__always)
    private mutating func emit(
        _ element: TemplateElement, lexer: inout Lexer, to output: ByteOutput
    ) throws(SystemError) {
        switch element {
        case .text(let range):
            if errorCount == 0 { try output.write(lexer.bytes(range)) }
        case .dollar:
            if errorCount == 0 { try output.write(byte: 0x24) }
        case .name(let name, let reference, let braced):
            let text = lexer.bytes(reference)
            if !braced && policy.bracesOnly {
                if errorCount == 0 { try output.write(text) }
                return
            }
            try simple(
                name: lexer.bytes(name), text: text, braced: braced, offset: reference.lowerBound,
                lexer: &lexer, to: output)
        case .reference(let reference, let range):
            let expansion = expand(reference)
            if errorCount == 0 {
                switch expansion {
                case .text(let value): try output.write(value)
                case .quoted(let text): try output.write(text.bytes)
                case .verbatim: try output.write(lexer.bytes(range))
                case .failed: break
                }
            }
        case .invalid(let error):
            report(error)
        }
    }

    /// Renders the template `text` in memory (an env-file value) through the same token loop as
    /// `render(_:to:)` and returns the bytes; problems go to `diagnostics` with positions offset from
    /// `origin` in `path`. Only an interruption (SIGTERM, SIGINT) is thrown.
    public mutating func render(_ text: [UInt8], path: String, origin: Position = .start)
        throws(TemplaterError) -> [UInt8]
    {
        let output = ByteOutput.memory(name: path)
        self.origin = origin
        defer { self.origin = .start }
        try render(ByteInput(bytes: text, name: path), to: output)
        do { try output.flush() } catch { throw .output(path: path, error) }
        return output.collected
    }

    /// `render(_:path:origin:)` for tests: the bytes rendered before an interruption.
    public mutating func renderBytes(_ text: [UInt8], path: String, origin: Position = .start)
        -> [UInt8]
    {
        (try? render(text, path: path, origin: origin)) ?? []
    }

    /// `render(_:path:origin:)` of a string for tests, invalid UTF-8 repaired.
    public mutating func renderString(_ text: String, path: String, origin: Position = .start)
        -> String
    {
        String(decoding: renderBytes(Array(text.utf8), path: path, origin: origin), as: UTF8.self)
    }

    // MARK: - The fast path

    /// Copies the current window up to the first reference that needs the token path: text, and
    /// `$NAME`/`${NAME}` references whose whole extent is in the window and that are substituted,
    /// kept or left out without a diagnostic. Text and kept references accumulate into one run, written
    /// when a value is substituted or the window ends, so a template whose references are mostly
    /// nginx's own `$host`-like variables costs about one write per substitution. Reads nothing: a
    /// reference cut by the end of the window, `$$`, an operator, or an unset variable under
    /// `--unset error` is left to `Lexer.next()` (which reads more, and knows lines and columns).
    private mutating func copyPlainReferences(_ lexer: inout Lexer, to output: ByteOutput)
        throws(SystemError)
    {
        // The hot loop reads locals only: the table, the policy's choices, a count of secrets.
        let cache = self.cache
        let bracesOnly = policy.bracesOnly
        let onUnset = policy.onUnset
        var secrets = 0
        defer { substitutedSecrets += secrets }
        let handled = try ReferenceScanner.copy(
            lexer.remaining, atEnd: false, lenient: false, to: output
        ) { key, name, braced in
            // `$NAME` is not ours under `--braces-only`: kept.
            if !braced && bracesOnly { return .keep }
            let slot = cache.find(key, name) ?? insert(key, name)
            switch cache.resolution(at: slot) {
            case .value(let secret):
                if secret { secrets &+= 1 }
                return .replace(cache.value(at: slot))
            case .notSelected:
                return .keep
            case .unset:
                switch onUnset {
                case .keep: return .keep
                case .empty: return .remove
                case .error: return .stop
                }
            }
        }
        lexer.skip(handled)
    }

    /// `$NAME` or `${NAME}`: `text` is the whole reference, `name` the name in it.
    @inline(__always)
    private mutating func simple(
        name: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer, braced: Bool, offset: Int,
        lexer: inout Lexer,
        to output: ByteOutput
    ) throws(SystemError) {
        let base = name.baseAddress.unsafelyUnwrapped
        let slot = cachedSlot(NameKey(base, count: name.count, readable: name.count), base)
        let resolution = cache.resolution(at: slot)
        let writing = errorCount == 0
        if case .value = resolution, writing { try output.write(cache.value(at: slot)) }
        if trackUsage {
            let selected: Bool
            if case .notSelected = resolution { selected = false } else { selected = true }
            usage.record(
                String(decoding: name, as: UTF8.self), braced: braced, selected: selected,
                at: location(lexer.position(at: offset)))
        }
        switch resolution {
        case .value(let secret):
            if secret { substitutedSecrets += 1 }
        case .notSelected:
            if writing { try output.write(text) }
        case .unset:
            switch policy.onUnset {
            case .empty: break
            case .keep: if writing { try output.write(text) }
            case .error:
                reportUnset(
                    String(decoding: name, as: UTF8.self), braced: braced,
                    at: lexer.position(at: offset))
            }
        }
    }

    /// The cache slot of the name whose key is `key` and whose bytes start at `name`, resolved and
    /// cached on its first use.
    @inline(__always)
    func cachedSlot(_ key: NameKey, _ name: UnsafeRawPointer) -> Int {
        cache.find(key, name) ?? insert(key, name)
    }

    /// Resolves the name whose key is `key` and whose bytes start at `name`, which is not cached yet,
    /// and caches it; returns its slot.
    @inline(never)
    private func insert(_ key: NameKey, _ name: UnsafeRawPointer) -> Int {
        let bytes = UnsafeRawBufferPointer(start: name, count: key.length)
        let nameString = String(decoding: bytes, as: UTF8.self)
        let value = variables[nameString]
        return cache.insert(bytes, key: key, resolve(nameString, value: value), value: value ?? [])
    }

    private func resolve(_ name: String, value: [UInt8]?) -> Resolution {
        guard policy.selection.selects(name, isDefined: value != nil) else { return .notSelected }
        guard let value, !(policy.treatEmptyAsUnset && value.isEmpty) else { return .unset }
        return .value(secret: variables.isSecret(name))
    }

    // MARK: - Expansion

    /// The result of expanding one reference.
    enum Expansion {
        /// Substitute these bytes.
        case text([UInt8])
        /// Copy the reference as written (not selected, or unset under `keep`).
        case verbatim
        /// An error was reported; substitute nothing.
        case failed
        /// A default or alternative word inside a pattern or replacement, its escaped scalars still
        /// literal (bash keeps a nested word's quoting there: `${V/x/${A+\&}}` inserts an `&`).
        case quoted(PatternText)
    }

    /// Expands `reference` with bash's semantics; `keepingQuotes` (inside a pattern or a replacement)
    /// returns a default or alternative word as `.quoted`.
    mutating func expand(_ reference: Reference, keepingQuotes: Bool = false) -> Expansion {
        if policy.bracesOnly && !reference.braced { return .verbatim }
        if overflowed { return .failed }
        let name = reference.name
        let raw = variables[name]
        let selected = policy.selection.selects(name, isDefined: raw != nil)
        if trackUsage {
            usage.record(
                name, braced: reference.braced, selected: selected, at: location(reference.position)
            )
        }
        guard selected else { return .verbatim }
        let value = raw.flatMap { policy.treatEmptyAsUnset && $0.isEmpty ? nil : $0 }

        /// `${N-w}` tests set; `${N:-w}` tests set and not empty.
        func present(colon: Bool) -> Bool {
            guard let value else { return false }
            return !colon || !value.isEmpty
        }

        switch reference.operation {
        case .useDefault(let word, let colon):
            if present(colon: colon) { return secretAware(name, value ?? []) }
            // The default of a secret (`${DB_PASSWORD:-changeme}`) is a secret too.
            return wordExpansion(word, secretOf: name, keepingQuotes: keepingQuotes)
        case .assignDefault(let word, let colon):
            if present(colon: colon) { return secretAware(name, value ?? []) }
            let secretsBefore = substitutedSecrets
            guard let assigned = bounded(evaluate(word), reference) else { return .failed }
            // A value built from a secret (`${DSN:=pg://app:${DB_PASSWORD}@db}`) stays secret for
            // the rest of the render: a later `${X:?... $DSN}` message must not show it.
            if substitutedSecrets > secretsBefore { variables.markSecret(name) }
            variables.assign(name, assigned)
            cache.removeAll()
            return secretAware(name, assigned)
        case .errorIfUnset(let word, let colon):
            if present(colon: colon) { return secretAware(name, value ?? []) }
            let message =
                word.isEmpty
                ? (colon ? "parameter null or not set" : "parameter not set")
                : String(decoding: evaluate(word, redacting: true), as: UTF8.self)
            append(
                Diagnostic(.error, at: location(reference.position), "\(name): \(message)"))
            return .failed
        case .alternative(let word, let colon):
            guard present(colon: colon) else { return .text([]) }
            return wordExpansion(word, secretOf: nil, keepingQuotes: keepingQuotes)
        default:
            break
        }

        if value?.isEmpty == false && variables.isSecret(name) { substitutedSecrets += 1 }
        guard let value else {
            switch policy.onUnset {
            case .keep: return .verbatim
            case .error:
                reportUnset(name, braced: reference.braced, at: reference.position)
                return .failed
            case .empty:
                // bash substitutes nothing at all for `${UNSET/p/r}`, even where `${EMPTY/#/r}` gives `r`.
                // Nor does it check `${UNSET:0:-1}`'s negative length.
                switch reference.operation {
                case .replace, .substring: return .text([])
                default: break
                }
                return operate(reference, on: [])
            }
        }
        return operate(reference, on: value)
    }

    /// A default or alternative `word`, counted in `substitutedSecrets` when it stands for the secret
    /// `secretOf`; `.quoted` with `keepingQuotes`.
    private mutating func wordExpansion(_ word: Word, secretOf name: String?, keepingQuotes: Bool)
        -> Expansion
    {
        guard keepingQuotes else {
            let text = evaluate(word)
            return name.map { secretAware($0, text) } ?? .text(text)
        }
        let pattern = evaluatePattern(word)
        if let name, !pattern.isEmpty && variables.isSecret(name) { substitutedSecrets += 1 }
        return .quoted(pattern)
    }

    /// `text` substituted for `name`, counted in `substitutedSecrets` when `name` is secret.
    private mutating func secretAware(_ name: String, _ text: [UInt8]) -> Expansion {
        if !text.isEmpty && variables.isSecret(name) { substitutedSecrets += 1 }
        return .text(text)
    }

    /// Applies a value operation (everything but the set/unset tests) to `value`.
    private mutating func operate(_ reference: Reference, on value: [UInt8]) -> Expansion {
        switch reference.operation {
        case .value, .useDefault, .assignDefault, .errorIfUnset, .alternative:
            return .text(value)
        case .length:
            return .text(Array(String(CharacterUnits.count(value)).utf8))
        case .substring(let offset, let length):
            guard let text = StringOperations.substring(value, offset: offset, length: length)
            else {
                append(
                    Diagnostic(
                        .error, at: location(reference.position),
                        "\(reference.name): substring expression < 0",
                        notes: ["the length \(length ?? 0) ends before the offset \(offset)"]))
                return .failed
            }
            return .text(text)
        case .changeCase(let change, let pattern):
            // A pattern that expands to nothing selects every character, as no pattern does (bash).
            let glob = pattern.map { Glob(evaluatePattern($0)) }.flatMap { $0.isEmpty ? nil : $0 }
            return .text(StringOperations.changeCase(value, change, only: glob))
        case .removePrefix(let pattern, let longest):
            return .text(
                StringOperations.removePrefix(
                    value, Glob(evaluatePattern(pattern), matching: value), longest: longest))
        case .removeSuffix(let pattern, let longest):
            return .text(
                StringOperations.removeSuffix(
                    value, Glob(evaluatePattern(pattern), matching: value), longest: longest))
        case .replace(let pattern, let replacement, let mode):
            let glob = Glob(evaluatePattern(pattern), matching: value)
            let pieces = replacement.map { evaluatePattern($0) } ?? PatternText()
            guard !overflowed,
                let replaced = StringOperations.replace(
                    value, glob, with: pieces, mode: mode, limit: Renderer.maximumExpansion),
                let text = bounded(replaced, reference)
            else {
                if !overflowed { reportOverflow(reference) }
                return .failed
            }
            return .text(text)
        }
    }

    /// A word's text (a default, an alternative, a `:?` message). Stops growing past
    /// `maximumExpansion` (the reference that uses it reports the overflow).
    private mutating func evaluate(_ word: Word, redacting: Bool = false) -> [UInt8] {
        var result: [UInt8] = []
        for part in word.parts {
            if result.count > Renderer.maximumExpansion || overflowed { break }
            switch part {
            case .text(let text), .literal(let text):
                result += text
            case .reference(let reference):
                if redacting && variables.isSecret(reference.name) {
                    result += Array("***".utf8)
                    continue
                }
                switch expand(reference) {
                case .text(let text): result += text
                case .quoted(let pattern): result += pattern.bytes
                case .verbatim: result += reference.text
                case .failed: break
                }
            }
        }
        return result
    }

    /// A pattern or replacement: bytes, each flagged literal (escaped) or active (wildcards, `&`).
    /// Values of nested references are active, as in bash's unquoted expansions; a nested default or
    /// alternative word keeps its own escapes (`${V#${E:-\*}}` removes a literal star).
    private mutating func evaluatePattern(_ word: Word) -> PatternText {
        var result = PatternText()
        for part in word.parts {
            if result.bytes.count > Renderer.maximumExpansion || overflowed { break }
            switch part {
            case .text(let text):
                result.append(text, literal: false)
            case .literal(let text):
                result.append(text, literal: true)
            case .reference(let reference):
                switch expand(reference, keepingQuotes: true) {
                case .quoted(let pattern): result.append(pattern)
                case .text(let text): result.append(text, literal: false)
                case .verbatim: result.append(reference.text, literal: true)
                case .failed: break
                }
            }
        }
        return result
    }

    /// `text`, or nil (the overflow reported at `reference`) when it is longer than
    /// `maximumExpansion`.
    private mutating func bounded(_ text: [UInt8], _ reference: Reference) -> [UInt8]? {
        if overflowed { return nil }
        guard text.count > Renderer.maximumExpansion else { return text }
        reportOverflow(reference)
        return nil
    }

    /// Reports that `reference` expands to more than `maximumExpansion` bytes; the render stops
    /// expanding (every later reference fails quietly).
    private mutating func reportOverflow(_ reference: Reference) {
        overflowed = true
        append(
            Diagnostic(
                .error, at: location(reference.position),
                "${\(reference.name)...} expands to more than \(Renderer.maximumExpansion >> 20) MiB",
                notes: ["a config value is never this large: check the nested references"]))
    }

    // MARK: - Diagnostics

    private mutating func append(_ diagnostic: Diagnostic) {
        if diagnostic.severity == .error { errorCount += 1 }
        diagnostics.append(diagnostic)
    }

    private func location(_ position: Position) -> SourceLocation {
        let line = origin.line + position.line - 1
        let column = position.line == 1 ? origin.column + position.column - 1 : position.column
        return SourceLocation(path: path, line: line, column: column)
    }

    private mutating func reportUnset(_ name: String, braced: Bool, at position: Position) {
        var notes: [String] = []
        if !braced && !policy.selection.isRestricted && looksLikeServerVariable(name) {
            notes.append(
                "`$\(name)` looks like the server's own variable: pass --allow or --braces-only")
        } else {
            notes.append("set \(name), or give a default: ${\(name):-default}")
        }
        append(
            Diagnostic(.error, at: location(position), "variable \(name) is not set", notes: notes))
    }

    private mutating func report(_ error: SyntaxError) {
        append(
            Diagnostic(.error, at: location(error.position), error.message, notes: error.notes))
    }
}

/// Whether `name` is written like nginx's, Apache's or HAProxy's own variables (`$host`, `$remote_addr`,
/// `$request_uri`): lower case, where environment variables are conventionally upper case.
func looksLikeServerVariable(_ name: String) -> Bool {
    var hasLower = false
    for byte in name.utf8 {
        if byte >= 0x41 && byte <= 0x5A { return false }
        if byte >= 0x61 && byte <= 0x7A { hasLower = true }
    }
    return hasLower
}
