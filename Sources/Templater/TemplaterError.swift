import Platform

/// Every way a Templater operation fails; the CLI maps each case to one exit code (README.md, "Exit codes").
public enum TemplaterError: Error, Equatable, CustomStringConvertible {
    /// Problems in the templates or the variables (syntax, unset variables, `X` and `X_FILE` both set):
    /// exit 1. All of them, unless fail-fast was asked for.
    case diagnostics([Diagnostic])
    /// An input (template, env file, `_FILE` secret) is missing or unreadable: exit 66.
    case input(path: String, SystemError)
    /// An output cannot be created or written; every existing output is untouched: exit 73.
    case output(path: String, SystemError)
    /// Invalid options (a bad regular expression, a directory input without `-o`, two inputs for one
    /// output): exit 64.
    case usage(String)
    /// An input that is refused for what it is, not for a failed system call (a template whose name
    /// is not UTF-8): exit 66.
    case inputRefused(path: String, reason: String)
    /// An input is larger than its limit (a `_FILE` secret or an env file that is `/dev/zero`):
    /// exit 66. `path` names the flag or variable too.
    case inputTooLarge(path: String, limit: Int)
    /// An output exists but cannot be replaced by a config file (a FIFO, a socket, a device): exit 73,
    /// nothing was changed.
    case outputRefused(path: String, reason: String)
    /// Renaming `path` into place failed after `restored` outputs had been renamed; they were put
    /// back, except `unrestored`, which hold the new version: exit 73.
    case commitFailed(path: String, SystemError, restored: Int, unrestored: [String])
    /// A rollback could not put back `paths` (they hold the new version; the others were restored):
    /// exit 73.
    case restoreFailed(paths: [String], SystemError)

    /// The exit code for this failure.
    public var exitCode: Int32 {
        switch self {
        case .diagnostics: return ExitCode.failure
        case .input, .inputRefused, .inputTooLarge: return ExitCode.noInput
        case .output, .outputRefused, .commitFailed, .restoreFailed: return ExitCode.cannotCreate
        case .usage: return ExitCode.usage
        }
    }

    /// The printed lines (without the tool prefix for diagnostics, which carry their own location),
    /// control characters of paths and values shown as `\xNN` (`Diagnostic.escapingControls`).
    public var description: String {
        if case .diagnostics = self { return text }
        return Diagnostic.escapingControls(text)
    }

    /// The lines before their control characters are escaped.
    private var text: String {
        switch self {
        case .diagnostics(let diagnostics):
            return diagnostics.map(\.description).joined(separator: "\n")
        case .input(let path, let error):
            return "cannot read \(path): \(errorText(error.errno))"
        case .output(let path, let error):
            return "cannot write \(path): \(errorText(error.errno)) (nothing was changed)"
        case .usage(let message):
            return message
        case .inputRefused(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .inputTooLarge(let path, let limit):
            return "cannot read \(path): larger than the limit of \(formatByteCount(limit))"
        case .outputRefused(let path, let reason):
            return "cannot write \(path): \(reason) (nothing was changed)"
        case .commitFailed(let path, let error, let restored, let unrestored):
            let text = "cannot write \(path): \(errorText(error.errno))"
            if !unrestored.isEmpty {
                return text + "; could not put back the previous "
                    + "\(unrestored.joined(separator: ", ")), which hold\(unrestored.count == 1 ? "s" : "")"
                    + " the new version; every other output is unchanged"
            }
            if restored == 0 { return text + " (nothing was changed)" }
            return text
                + " (nothing was changed: the \(restored) output\(restored == 1 ? "" : "s") already"
                + " replaced \(restored == 1 ? "was" : "were") put back)"
        case .restoreFailed(let paths, let error):
            return "cannot put back the previous \(paths.joined(separator: ", ")): "
                + "\(errorText(error.errno)); \(paths.count == 1 ? "it holds" : "they hold") the new "
                + "version, every other output was restored"
        }
    }
}

/// `16 MiB`, `512 KiB`, `100 bytes`: a size as messages print it.
public func formatByteCount(_ count: Int) -> String {
    if count >= 1 << 20 && count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
    if count >= 1 << 10 && count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
    return "\(count) bytes"
}
