import Platform

/// The one recogniser of `$NAME` and `${NAME}`, shared by envsubst mode (`EnvsubstScanner`), render
/// mode's fast path (`Renderer`), render mode's lexer (`Lexer`) and the SHELL-FORMAT (`ShellFormat`).
///
/// The grammar is GNU envsubst's (gettext 0.21, `envsubst.c`): a `$`, an optional `{`, a name
/// `[A-Za-z_][A-Za-z0-9_]*` (`NameSyntax`), and the `}` that a `{` needs right after the name. What
/// happens otherwise is the caller's: envsubst mode copies and resumes (`Scan.noName`, `Scan.unclosed`),
/// render mode hands the rest to its lexer.
enum ReferenceScanner {
    /// What follows one `$`.
    enum Scan {
        /// `$NAME` or `${NAME}`: the name is the `key.length` bytes at `nameStart`; the reference ends
        /// before `end`.
        case name(key: NameKey, nameStart: Int, end: Int, braced: Bool)
        /// No name starts after the `$` (or `${`): scanning may resume at `resume`, the byte after them.
        case noName(resume: Int)
        /// `${NAME` without its `}`: scanning may resume at `resume`, the end of the name.
        case unclosed(resume: Int)
        /// The window ends before the reference does, and more input may follow.
        case cut
    }

    /// What a resolver makes of one reference in `copy`.
    enum Action {
        /// Copy the reference as written.
        case keep
        /// Substitute these bytes.
        case replace(UnsafeRawBufferPointer)
        /// Substitute nothing.
        case remove
        /// Stop before the reference: the caller handles it.
        case stop
    }

    /// Recognises the reference at the `$` at `dollar` among the `count` bytes at `base`; `atEnd` says
    /// that no byte follows them (a name that reaches the end is then complete). `classes` is
    /// `NameSyntax.byteClasses`, which a loop loads once.
    @inline(__always)
    static func scan(
        _ base: UnsafeRawPointer, dollar: Int, count: Int, atEnd: Bool,
        classes: UnsafePointer<UInt8> = NameSyntax.byteClasses
    ) -> Scan {
        var index = dollar &+ 1
        guard index < count else { return atEnd ? .noName(resume: index) : .cut }
        let braced = base.load(fromByteOffset: index, as: UInt8.self) == NameSyntax.openingBrace
        if braced {
            index &+= 1
            guard index < count else { return atEnd ? .noName(resume: index) : .cut }
        }
        guard
            classes[Int(base.load(fromByteOffset: index, as: UInt8.self))] & NameSyntax.startFlag
                != 0
        else { return .noName(resume: index) }
        let nameStart = index
        let key: NameKey
        if let fast = shortName(base + nameStart, readable: count &- nameStart) {
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
            if index == count && !atEnd { return .cut }
            key = NameKey(base + nameStart, count: index &- nameStart, readable: count &- nameStart)
        }
        guard braced else {
            return .name(key: key, nameStart: nameStart, end: index, braced: false)
        }
        guard index < count else { return atEnd ? .unclosed(resume: index) : .cut }
        guard base.load(fromByteOffset: index, as: UInt8.self) == NameSyntax.closingBrace else {
            return .unclosed(resume: index)
        }
        return .name(key: key, nameStart: nameStart, end: index &+ 1, braced: true)
    }

    /// Copies `window` to `output`, each reference as `resolve` says, and returns how many bytes it
    /// handled: all of them, or those before a reference that the window cuts off (when `atEnd` is
    /// false) or that `resolve` stops at, or — unless `lenient` — before any `$` that does not start a
    /// whole `$NAME` or `${NAME}`. `lenient` is envsubst mode, which copies such a `$` (and a `${NAME`
    /// without `}` up to the name's end) and scans on.
    ///
    /// The bytes from `runStart` on are copied verbatim until a replaced reference ends the run, so a
    /// reference that stays as it is costs no write of its own. `resolve` gets the name's key, its
    /// bytes, and whether it was braced.
    @inline(__always)
    static func copy(
        _ window: UnsafeRawBufferPointer, atEnd: Bool, lenient: Bool, to output: ByteOutput,
        resolve: (_ key: NameKey, _ name: UnsafeRawPointer, _ braced: Bool) -> Action
    ) throws(SystemError) -> Int {
        guard let base = window.baseAddress else { return 0 }
        let count = window.count
        var runStart = 0
        var position = 0
        let classes = NameSyntax.byteClasses
        while let dollar = firstDollar(base, from: position, count: count) {
            switch scan(base, dollar: dollar, count: count, atEnd: atEnd, classes: classes) {
            case .name(let key, let nameStart, let end, let braced):
                switch resolve(key, base + nameStart, braced) {
                case .keep:
                    break
                case .replace(let value):
                    try output.write(base + runStart, count: dollar &- runStart)
                    if let valueBase = value.baseAddress {
                        try output.write(valueBase, count: value.count)
                    }
                    runStart = end
                case .remove:
                    try output.write(base + runStart, count: dollar &- runStart)
                    runStart = end
                case .stop:
                    try output.write(base + runStart, count: dollar &- runStart)
                    return dollar
                }
                position = end
            case .noName(let resume), .unclosed(let resume):
                if !lenient {
                    try output.write(base + runStart, count: dollar &- runStart)
                    return dollar
                }
                position = resume
            case .cut:
                try output.write(base + runStart, count: dollar &- runStart)
                return dollar
            }
        }
        try output.write(base + runStart, count: count &- runStart)
        return count
    }

    /// The key of the name starting at `name` when it is shorter than sixteen bytes and sixteen bytes
    /// can be read there: found with two word loads and no byte loop. Nil otherwise.
    @inline(__always)
    private static func shortName(_ name: UnsafeRawPointer, readable: Int) -> NameKey? {
        guard readable >= 16 else { return nil }
        let head = UInt64(littleEndian: name.loadUnaligned(as: UInt64.self))
        let headEnd = NameSyntax.nonNameBytes(head)
        if headEnd != 0 {
            let length = headEnd.trailingZeroBitCount &>> 3
            let word = head & ((1 &<< UInt64(truncatingIfNeeded: length &* 8)) &- 1)
            return NameKey(length: length, head: word, tail: word)
        }
        let next = UInt64(littleEndian: name.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let nextEnd = NameSyntax.nonNameBytes(next)
        guard nextEnd != 0 else { return nil }
        let length = 8 &+ nextEnd.trailingZeroBitCount &>> 3
        let tail = UInt64(
            littleEndian: name.loadUnaligned(fromByteOffset: length &- 8, as: UInt64.self))
        return NameKey(length: length, head: head, tail: tail)
    }
}
