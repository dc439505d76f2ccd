/// The SHELL-FORMAT argument of GNU envsubst: a string whose `$NAME` and `${NAME}` mentions select the
/// variables to substitute (and that `envsubst -v` lists).
///
/// GNU's reading of it (gettext 0.21, `envsubst.c`) is looser than its reading of the input and is
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
        let end = format.firstIndex(of: 0) ?? format.count
        var index = 0
        while index < end {
            let byte = format[index]
            index += 1
            guard byte == NameSyntax.dollar else { continue }
            var braced = false
            if index < end && format[index] == NameSyntax.openingBrace {
                braced = true
                index += 1
            }
            guard index < end && NameSyntax.startsName(format[index]) else { continue }
            let nameStart = index
            repeat { index += 1 } while index < end && NameSyntax.continuesName(format[index])
            let name = format[nameStart..<index]
            if braced {
                guard index < end && format[index] == NameSyntax.closingBrace else { continue }
                index += 1
            }
            names.append(String(decoding: name, as: UTF8.self))
        }
        self.names = names
    }
}
