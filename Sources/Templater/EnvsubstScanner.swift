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
        while true {
            let window = input.window
            let atEnd = input.reachedEnd
            let handled: Int
            do {
                handled = try withBytes(lookup.pool) { (pool) throws(SystemError) in
                    try render(window, atEnd: atEnd, pool: pool, to: output)
                }
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

    /// What a `$` starts.
    private enum Reference {
        /// Not enough bytes in the window to tell.
        case incomplete
        /// Copied as it is; scanning resumes at `resume`.
        case literal(resume: Int)
        /// Replaced by the value in `slot` (nothing when `slot` is nil: an unset variable); scanning
        /// resumes at `resume`.
        case replaced(resume: Int, slot: Int?)
    }

    /// Renders the bytes of `window` and returns how many it handled: all of them at the end of the
    /// input, otherwise all up to a reference that the window cuts off.
    @inline(__always)
    private func render(
        _ window: UnsafeRawBufferPointer, atEnd: Bool, pool: UnsafeRawBufferPointer,
        to output: ByteOutput
    ) throws(SystemError) -> Int {
        guard let base = window.baseAddress else { return 0 }
        let count = window.count
        // Bytes from `runStart` on are copied verbatim unless a replaced reference ends the run.
        var runStart = 0
        var position = 0
        while position < count,
            let found = memchr(base + position, Int32(EnvsubstSyntax.dollar), count - position)
        {
            let dollar = base.distance(to: UnsafeRawPointer(found))
            switch reference(at: dollar, in: base, count: count, atEnd: atEnd) {
            case .incomplete:
                try output.write(
                    UnsafeRawBufferPointer(start: base + runStart, count: dollar - runStart))
                return dollar
            case .literal(let resume):
                position = resume
            case .replaced(let resume, let slot):
                try output.write(
                    UnsafeRawBufferPointer(start: base + runStart, count: dollar - runStart))
                if let slot, let value = lookup.slots[slot], value.valueOffset >= 0 {
                    try output.write(
                        UnsafeRawBufferPointer(
                            start: pool.baseAddress.unsafelyUnwrapped + value.valueOffset,
                            count: value.valueLength))
                }
                runStart = resume
                position = resume
            }
        }
        try output.write(UnsafeRawBufferPointer(start: base + runStart, count: count - runStart))
        return count
    }

    /// Reads the reference that the `$` at `dollar` starts.
    @inline(__always)
    private func reference(
        at dollar: Int, in base: UnsafeRawPointer, count: Int, atEnd: Bool
    ) -> Reference {
        var index = dollar + 1
        guard index < count else { return atEnd ? .literal(resume: index) : .incomplete }
        let braced = base.load(fromByteOffset: index, as: UInt8.self) == EnvsubstSyntax.openingBrace
        if braced {
            index += 1
            guard index < count else { return atEnd ? .literal(resume: index) : .incomplete }
        }
        var byte = base.load(fromByteOffset: index, as: UInt8.self)
        guard EnvsubstSyntax.startsName(byte) else { return .literal(resume: index) }
        let nameStart = index
        var hash = EnvsubstLookup.hashSeed
        repeat {
            hash = EnvsubstLookup.hash(hash, adding: byte)
            index += 1
            guard index < count else { break }
            byte = base.load(fromByteOffset: index, as: UInt8.self)
        } while EnvsubstSyntax.continuesName(byte)
        // A name that reaches the end of the window may go on in the next read.
        if index == count && !atEnd { return .incomplete }
        let name = UnsafeRawBufferPointer(start: base + nameStart, count: index - nameStart)
        if braced {
            guard index < count && byte == EnvsubstSyntax.closingBrace else {
                return .literal(resume: index)
            }
            index += 1
        }
        if let slot = lookup.find(name, hash: hash) {
            return .replaced(resume: index, slot: slot)
        }
        return lookup.substitutesEveryName
            ? .replaced(resume: index, slot: nil) : .literal(resume: index)
    }
}
