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

    /// The long options, in the order GNU lists ambiguous candidates.
    private static let longOptions: [(name: String, short: Character)] = [
        ("help", "h"), ("variables", "v"), ("version", "V"),
    ]

    /// Reads `arguments` (without the program name). `posixlyCorrect` is whether `POSIXLY_CORRECT` is
    /// in the environment.
    public init(arguments: [String], posixlyCorrect: Bool = false) throws(EnvsubstUsageError) {
        var options: Set<Character> = []
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
                options.insert(try Self.longOption(argument))
            } else if argument.hasPrefix("-") && argument != "-" {
                for letter in argument.dropFirst() {
                    guard Self.longOptions.contains(where: { $0.short == letter }) else {
                        throw .invalidOption(letter)
                    }
                    options.insert(letter)
                }
            } else if posixlyCorrect {
                operands += arguments[(index - 1)...]
                break
            } else {
                operands.append(argument)
            }
        }
        if options.contains("V") {
            self = .version
        } else if options.contains("h") {
            self = .help
        } else if operands.count > 1 {
            throw .tooManyArguments
        } else if options.contains("v") {
            guard let format = operands.first else { throw .missingArguments }
            self = .listVariables(ShellFormat(format))
        } else {
            self = .substitute(selection: operands.first.map { ShellFormat($0) })
        }
    }

    /// The short letter of the long option `argument` (`--name` or `--name=value`), matched as glibc
    /// does: an exact name, else the only name it is a prefix of.
    private static func longOption(_ argument: String) throws(EnvsubstUsageError) -> Character {
        let body = argument.dropFirst(2)
        let name = body.prefix { $0 != "=" }
        let hasValue = name.count < body.count
        let matches: [(name: String, short: Character)]
        if let exact = longOptions.first(where: { $0.name == name }) {
            matches = [exact]
        } else {
            matches = longOptions.filter { $0.name.hasPrefix(name) }
        }
        guard let match = matches.first else { throw .unrecognizedOption(argument) }
        guard matches.count == 1 else {
            throw .ambiguousOption(argument, candidates: matches.map { "--" + $0.name })
        }
        if hasValue { throw .unexpectedValue(option: "--" + match.name) }
        return match.short
    }
}
