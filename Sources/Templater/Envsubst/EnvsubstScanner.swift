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
/// References are recognised by `ReferenceScanner`, the text between them found with `memchr` and
/// copied in one write per run; memory stays at
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
    @inline(__always)
    private func render(
        _ window: UnsafeRawBufferPointer, atEnd: Bool, table: NameTable, to output: ByteOutput
    ) throws(SystemError) -> Int {
        let everyName = lookup.substitutesEveryName
        return try ReferenceScanner.copy(window, atEnd: atEnd, lenient: true, to: output) {
            key, name, _ in
            if let slot = table.find(key, name) { return .replace(table.value(at: slot)) }
            // An unset variable is replaced by nothing; a name the SHELL-FORMAT does not select stays.
            return everyName ? .remove : .keep
        }
    }
}
