/// A command line that GNU envsubst rejects; every one exits with status 1, as GNU's does.
public enum EnvsubstUsageError: Error, Equatable, CustomStringConvertible {
    /// A short option that does not exist, e.g. `-x`.
    case invalidOption(Character)
    /// A long option that matches no option, e.g. `--foo` (the argument as given, `=value` included).
    case unrecognizedOption(String)
    /// A long option that abbreviates several options, e.g. `--v` (`--variables`, `--version`).
    case ambiguousOption(String, candidates: [String])
    /// A long option given a value it does not take, e.g. `--help=x` (the option's full name).
    case unexpectedValue(option: String)
    /// More than one SHELL-FORMAT.
    case tooManyArguments
    /// `--variables` without a SHELL-FORMAT.
    case missingArguments

    /// Whether GNU follows the message with its "Try 'envsubst --help'" hint: for option errors, which
    /// go through its `usage()`, and not for operand errors.
    public var suggestsHelp: Bool {
        switch self {
        case .invalidOption, .unrecognizedOption, .ambiguousOption, .unexpectedValue: return true
        case .tooManyArguments, .missingArguments: return false
        }
    }

    /// The message, in GNU's terms (`getopt_long`'s and envsubst's).
    public var description: String {
        switch self {
        case .invalidOption(let option): return "invalid option -- '\(option)'"
        case .unrecognizedOption(let option): return "unrecognized option '\(option)'"
        case .ambiguousOption(let option, let candidates):
            let list = candidates.map { "'\($0)'" }.joined(separator: " ")
            return "option '\(option)' is ambiguous; possibilities: \(list)"
        case .unexpectedValue(let option): return "option '\(option)' doesn't allow an argument"
        case .tooManyArguments: return "too many arguments"
        case .missingArguments: return "missing arguments"
        }
    }
}
