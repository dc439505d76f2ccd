import Platform

/// Every way a Templater operation fails; the CLI maps each case to one exit code (SPEC §1).
public enum TemplaterError: Error, Equatable, CustomStringConvertible {
    /// Problems in the templates or the variables (syntax, unset variables, `X` and `X_FILE` both set):
    /// exit 1. All of them, unless fail-fast was asked for.
    case diagnostics([Diagnostic])
    /// An input (template, env file, `_FILE` secret) is missing or unreadable: exit 66.
    case input(path: String, SystemError)
    /// An output cannot be created or written; every existing output is untouched: exit 73.
    case output(path: String, SystemError)
    /// Invalid options (a bad regular expression, a directory input without `-o`): exit 64.
    case usage(String)

    /// The exit code for this failure.
    public var exitCode: Int32 {
        switch self {
        case .diagnostics: return ExitCode.failure
        case .input: return ExitCode.noInput
        case .output: return ExitCode.cannotCreate
        case .usage: return ExitCode.usage
        }
    }

    /// The printed lines (without the tool prefix for diagnostics, which carry their own location).
    public var description: String {
        switch self {
        case .diagnostics(let diagnostics):
            return diagnostics.map(\.description).joined(separator: "\n")
        case .input(let path, let error):
            return "cannot read \(path): \(errorText(error.errno))"
        case .output(let path, let error):
            return "cannot write \(path): \(errorText(error.errno)) (nothing was changed)"
        case .usage(let message):
            return message
        }
    }
}
