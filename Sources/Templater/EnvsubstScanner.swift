import Platform

/// GNU envsubst's substitution, streaming: `$NAME` and `${NAME}` are replaced as `lookup` says, every
/// other byte is copied as it is (CR, NUL, invalid UTF-8 and a missing final newline included).
///
/// The grammar is GNU's (gettext 0.21, `envsubst.c`), read one byte at a time there and reproduced here:
/// - a `$` not followed by a name start (or by `{` and a name start) is copied, and scanning resumes
///   right after it (or after the `{`): `$$A` is `$` followed by the reference `$A`;
/// - `${NAME` not closed by `}` right after the name is copied up to the end of the name;
/// - `${NAME:-word}` and friends are therefore copied verbatim; there are no escapes; values are
///   written as they are and never scanned again.
///
/// The text between references is found with `memchr` and copied in one write per run; memory stays at
/// one input chunk and one output buffer, plus the longest name when a name crosses a chunk boundary.
public struct EnvsubstScanner: Sendable {
    /// Which references are replaced, and by what.
    public let lookup: EnvsubstLookup

    /// A scanner that replaces references as `lookup` says.
    public init(lookup: EnvsubstLookup) {
        self.lookup = lookup
    }

    /// Copies `input` to `output` until the end of the input, replacing references, and flushes.
    ///
    /// After a write error the rest of the input is still read, as GNU's stdio-based loop does, so that
    /// the process feeding stdin does not see a broken pipe; a read error then takes precedence.
    public func render(_ input: ByteInput, to output: ByteOutput) throws(EnvsubstFailure) {
        do {
            try copy(input, to: output)
        } catch .write(let error) {
            try drain(input)
            throw .write(error)
        }
    }

    /// Reads and drops the rest of `input`.
    private func drain(_ input: ByteInput) throws(EnvsubstFailure) {
        do {
            input.consume(input.window.count)
            while try input.refill() { input.consume(input.window.count) }
        } catch {
            throw .read(error)
        }
    }

    private func copy(_ input: ByteInput, to output: ByteOutput) throws(EnvsubstFailure) {
        let table = lookup.frozen
        while true {
            let window = input.window
            let atEnd = input.reachedEnd
            let handled: Int
            do {
                handled = try render(window, atEnd: atEnd, table: table, to: output)
            } catch {
                throw .write(error)
            }
            input.consume(handled)
            // At the end of the input every byte has been handled.
            if atEnd { break }
            // Hand on what is ready before waiting for more input: `tail -f log | envsubst` streams.
            do { try output.flush() } catch { throw .write(error) }
            try refill(input, pending: window.count - handled)
        }
        do { try output.flush() } catch { throw .write(error) }
    }

    /// Reads more input. When a reference is cut by the end of the window (`pending` bytes of it are
    /// there already), reads until the window has doubled or the input ends, so that scanning a very
    /// long name again from its `$` costs linear time in all.
    private func refill(_ input: ByteInput, pending: Int) throws(EnvsubstFailure) {
        do {
            guard try input.refill() else { return }
            while input.window.count < 2 * pending {
                guard try input.refill() else { return }
            }
        } catch {
            throw .read(error)
        }
    }

    /// Renders the bytes of `window` and returns how many it handled: all of them at the end of the
    /// input, otherwise all up to a reference that the window cuts off.
    ///
    /// The bytes from `runStart` on are copied verbatim until a replaced reference ends the run, so a
    /// reference that stays as it is costs no write of its own.
    @inline(__always)
    private func render(
        _ window: UnsafeRawBufferPointer, atEnd: Bool, table: EnvsubstLookup.Table,
        to output: ByteOutput
    ) throws(SystemError) -> Int {
        guard let base = window.baseAddress else { return 0 }
        let count = window.count
        let classes = NameSyntax.byteClasses
        let everyName = lookup.substitutesEveryName
        var runStart = 0
        var position = 0
        while let dollar = firstDollar(base, from: position, count: count) {
            // Read `$`, an optional `{`, a name, and the `}` that a `{` needs.
            var index = dollar &+ 1
            guard index < count else {
                if atEnd { break }
                try output.write(base + runStart, count: dollar &- runStart)
                return dollar
            }
            let braced =
                base.load(fromByteOffset: index, as: UInt8.self) == NameSyntax.openingBrace
            if braced {
                index &+= 1
                guard index < count else {
                    if atEnd { break }
                    try output.write(base + runStart, count: dollar &- runStart)
                    return dollar
                }
            }
            guard
                classes[Int(base.load(fromByteOffset: index, as: UInt8.self))]
                    & NameSyntax.startFlag != 0
            else {
                // `$` or `${` without a name: copied; the byte after it may start a reference.
                position = index
                continue
            }
            let nameStart = index
            let key: EnvsubstNameKey
            if let fast = Self.shortName(base + nameStart, readable: count &- nameStart) {
                key = fast
                index = nameStart &+ fast.length
            } else {
                index &+= 1
                while index < count
                    && classes[Int(base.load(fromByteOffset: index, as: UInt8.self))]
                        & NameSyntax.continueFlag != 0
                {
                    index &+= 1
                }
                // A name that reaches the end of the window may go on in the next read.
                if index == count && !atEnd {
                    try output.write(base + runStart, count: dollar &- runStart)
                    return dollar
                }
                key = EnvsubstNameKey(
                    base + nameStart, count: index &- nameStart, readable: count &- nameStart)
            }
            if braced {
                guard
                    index < count
                        && base.load(fromByteOffset: index, as: UInt8.self)
                            == NameSyntax.closingBrace
                else {
                    // `${NAME` without its `}`: copied up to the end of the name.
                    position = index
                    continue
                }
                index &+= 1
            }
            if let slot = table.find(key, base + nameStart) {
                try output.write(base + runStart, count: dollar &- runStart)
                let value = table.value(at: slot)
                if let valueBase = value.baseAddress {
                    try output.write(valueBase, count: value.count)
                }
                runStart = index
            } else if everyName {
                // An unset variable: replaced by nothing.
                try output.write(base + runStart, count: dollar &- runStart)
                runStart = index
            }
            position = index
        }
        try output.write(base + runStart, count: count &- runStart)
        return count
    }

    /// The key of the name starting at `name` when it is shorter than sixteen bytes and sixteen bytes
    /// can be read there: found with two word loads and no byte loop. Nil otherwise.
    @inline(__always)
    private static func shortName(_ name: UnsafeRawPointer, readable: Int) -> EnvsubstNameKey? {
        guard readable >= 16 else { return nil }
        let head = UInt64(littleEndian: name.loadUnaligned(as: UInt64.self))
        let headEnd = NameSyntax.nonNameBytes(head)
        if headEnd != 0 {
            let length = headEnd.trailingZeroBitCount &>> 3
            let word = head & ((1 &<< UInt64(truncatingIfNeeded: length &* 8)) &- 1)
            return EnvsubstNameKey(length: length, head: word, tail: word)
        }
        let next = UInt64(littleEndian: name.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let nextEnd = NameSyntax.nonNameBytes(next)
        guard nextEnd != 0 else { return nil }
        let length = 8 &+ nextEnd.trailingZeroBitCount &>> 3
        let tail = UInt64(
            littleEndian: name.loadUnaligned(fromByteOffset: length &- 8, as: UInt64.self))
        return EnvsubstNameKey(length: length, head: head, tail: tail)
    }
}
