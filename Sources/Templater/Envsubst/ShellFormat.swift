/// The SHELL-FORMAT argument of GNU envsubst: a string whose `$NAME` and `${NAME}` mentions select the
/// variables to substitute (and that `envsubst -v` lists).
///
/// GNU's reading of it (gettext 0.21, `envsubst.c`) is its reading of the input (`ReferenceScanner`),
/// reproduced exactly:
/// - after a `$`, one `{` is skipped; if no name starts there, scanning goes on right after what was
///   skipped, so in `$$A` the second `$` starts a mention of `A`, and `${$A}` mentions `A`;
/// - `${NAME` without its `}` mentions nothing, but the scan resumes after the name: `${A $B}` mentions
///   only `B`;
/// - names are `[A-Za-z_][A-Za-z0-9_]*`, ASCII only; everything else is ignored;
/// - the text ends at a NUL byte, as a C string does (an argument cannot hold one anyway).
public struct ShellFormat: Equatable, Sendable {
    /// The names mentioned, in order of appearance, repetitions included (what `envsubst -v` prints).
    public let names: [String]

    /// Reads the names mentioned in `format`.
    public init(_ format: String) {
        self.init(bytes: Array(format.utf8))
    }

    /// Reads the names mentioned in `format`, a byte string.
    public init(bytes format: [UInt8]) {
        var names: [String] = []
        format.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            let end = format.firstIndex(of: 0) ?? format.count
            var position = 0
            while let dollar = firstDollar(base, from: position, count: end) {
                switch ReferenceScanner.scan(base, dollar: dollar, count: end, atEnd: true) {
                case .name(let key, let nameStart, let referenceEnd, _):
                    let name = UnsafeRawBufferPointer(start: base + nameStart, count: key.length)
                    names.append(String(decoding: name, as: UTF8.self))
                    position = referenceEnd
                case .noName(let resume), .unclosed(let resume):
                    position = resume
                case .cut:
                    // Never at the end of the text: what is there is all there is.
                    return
                }
            }
        }
        self.names = names
    }
}
