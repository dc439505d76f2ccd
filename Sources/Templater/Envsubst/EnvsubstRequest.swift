/// What an `envsubst` command line asks for, read as GNU envsubst 0.21 reads it: glibc `getopt_long`
/// with the options `-h/--help`, `-v/--variables` and `-V/--version`.
///
/// The rules that decide the outcome, in GNU's order:
/// - options may be bundled (`-vV`), long ones abbreviated to any unambiguous prefix (`--var`), and they
///   may follow the SHELL-FORMAT (`envsubst '$A' -v`) unless `POSIXLY_CORRECT` is set, which stops the
///   options at the first operand; `--` ends the options;
/// - any bad option fails at once, even after `--version`;
/// - then `--version` wins over `--help`, which wins over everything else (extra operands included);
/// - more than one operand is an error; `--variables` needs exactly one.
public enum EnvsubstRequest: Equatable, Sendable {
    /// `--help`: describe the command.
    case help
    /// `--version`: name the version.
    case version
    /// `--variables SHELL-FORMAT`: list the names it mentions, one per line; stdin is not read.
    case listVariables(ShellFormat)
    /// Copy stdin to stdout, replacing the references to the names of `selection`, or to every name
    /// when `selection` is nil.
    case substitute(selection: ShellFormat?)

    /// The long options, in the order GNU lists ambiguous candidates; each one's short letter is its
    /// first letter, upper case for `version`.
    private static let longOptions = ["help", "variables", "version"]

    /// Reads `arguments` (without the program name). `posixlyCorrect` is whether `POSIXLY_CORRECT` is
    /// in the environment.
    public init(arguments: [String], posixlyCorrect: Bool = false) throws(EnvsubstUsageError) {
        try self.init(bytes: arguments.map { Array($0.utf8) }, posixlyCorrect: posixlyCorrect)
    }

    /// Reads `arguments` (without the program name) as the bytes of `argv`, as getopt does: `-`
    /// followed by a combining accent is an option, not an operand (a `String` compares characters, in
    /// which the accent joins the dash), and an option letter is one byte. Found by the differential
    /// fuzzer against GNU envsubst.
    ///
    /// Plain flags and scalars rather than a `Set<Character>`: this runs at every start, where generic
    /// metadata and conformance lookups cost more than the parsing itself.
    public init(bytes arguments: [[UInt8]], posixlyCorrect: Bool = false)
        throws(EnvsubstUsageError)
    {
        let dash = UInt8(ascii: "-")
        var help = false
        var variables = false
        var version = false
        var operands: [[UInt8]] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == [dash, dash] {
                operands += arguments[index...]
                break
            }
            if argument.count > 2 && argument[0] == dash && argument[1] == dash {
                switch try Self.longOption(argument) {
                case "help": help = true
                case "variables": variables = true
                default: version = true
                }
            } else if argument.count > 1 && argument[0] == dash {
                for letter in argument.dropFirst() {
                    switch letter {
                    case UInt8(ascii: "h"): help = true
                    case UInt8(ascii: "v"): variables = true
                    case UInt8(ascii: "V"): version = true
                    default:
                        // GNU quotes the byte; a byte of a multi-byte character shows as U+FFFD.
                        throw .invalidOption(
                            letter < 0x80 ? Character(Unicode.Scalar(letter)) : "\u{FFFD}")
                    }
                }
            } else if posixlyCorrect {
                operands += arguments[(index - 1)...]
                break
            } else {
                operands.append(argument)
            }
        }
        if version {
            self = .version
        } else if help {
            self = .help
        } else if operands.count > 1 {
            throw .tooManyArguments
        } else if variables {
            guard let format = operands.first else { throw .missingArguments }
            self = .listVariables(ShellFormat(bytes: format))
        } else {
            self = .substitute(selection: operands.first.map { ShellFormat(bytes: $0) })
        }
    }

    /// The long option that `argument` (`--name` or `--name=value`) names, matched as glibc does: an
    /// exact name, else the only name it is a prefix of.
    private static func longOption(_ argument: [UInt8]) throws(EnvsubstUsageError) -> String {
        let body = argument.dropFirst(2)
        let name = body.prefix { $0 != UInt8(ascii: "=") }
        let hasValue = name.count < body.count
        let matches =
            longOptions.contains { $0.utf8.elementsEqual(name) }
            ? [String(decoding: name, as: UTF8.self)]
            : longOptions.filter { $0.utf8.starts(with: name) }
        guard let match = matches.first else {
            throw .unrecognizedOption(String(decoding: argument, as: UTF8.self))
        }
        guard matches.count == 1 else {
            throw .ambiguousOption(
                String(decoding: argument, as: UTF8.self), candidates: matches.map { "--" + $0 })
        }
        if hasValue { throw .unexpectedValue(option: "--" + match) }
        return match
    }
}
