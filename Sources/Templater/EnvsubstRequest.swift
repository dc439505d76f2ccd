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
    ///
    /// Plain flags and scalars rather than a `Set<Character>`: this runs at every start, where generic
    /// metadata and conformance lookups cost more than the parsing itself.
    public init(arguments: [String], posixlyCorrect: Bool = false) throws(EnvsubstUsageError) {
        var help = false
        var variables = false
        var version = false
        var operands: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                operands += arguments[index...]
                break
            }
            if argument.hasPrefix("--") {
                switch try Self.longOption(argument) {
                case "help": help = true
                case "variables": variables = true
                default: version = true
                }
            } else if argument.hasPrefix("-") && argument != "-" {
                for letter in argument.unicodeScalars.dropFirst() {
                    switch letter {
                    case "h": help = true
                    case "v": variables = true
                    case "V": version = true
                    default: throw .invalidOption(Character(letter))
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
            self = .listVariables(ShellFormat(format))
        } else {
            self = .substitute(selection: operands.first.map { ShellFormat($0) })
        }
    }

    /// The long option that `argument` (`--name` or `--name=value`) names, matched as glibc does: an
    /// exact name, else the only name it is a prefix of.
    private static func longOption(_ argument: String) throws(EnvsubstUsageError) -> String {
        let body = argument.dropFirst(2)
        let name = body.prefix { $0 != "=" }
        let hasValue = name.count < body.count
        let matches =
            longOptions.contains(String(name))
            ? [String(name)] : longOptions.filter { $0.hasPrefix(name) }
        guard let match = matches.first else { throw .unrecognizedOption(argument) }
        guard matches.count == 1 else {
            throw .ambiguousOption(argument, candidates: matches.map { "--" + $0 })
        }
        if hasValue { throw .unexpectedValue(option: "--" + match) }
        return match
    }
}
