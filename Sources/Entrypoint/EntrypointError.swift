import Platform
import Templater

/// Every way start-up fails before the server runs; the CLI maps each case to its exit code (README.md, "Exit codes")
/// and prints its description after `entrypoint: error: `. No description contains a secret value.
public enum EntrypointError: Error, Equatable {
    /// An option or variable is malformed or names nothing (64).
    case usage(String)
    /// A `_FILE` secret, an env file or a template failed: the Templater's own code (1, 64, 66, 73).
    case templates(TemplaterError)
    /// These targets were not ready by `--wait-timeout` (124).
    case waitTimedOut([String])
    /// A target answered in a way waiting cannot fix, e.g. MySQL error 1129 (69).
    case waitUnavailable(String)
    /// An input is missing or unreadable: the hooks directory (66).
    case input(path: String, SystemError)
    /// An output cannot be created: the lock file, the `ENTRYPOINT_ENV` file (73).
    case output(path: String, SystemError)
    /// A hook ended with a failure status or was killed by a signal: its own status, or 128 + n.
    case hookFailed(hook: String, TerminationStatus)
    /// A hook ran past `--hook-timeout` and was ended (124).
    case hookTimedOut(hook: String, seconds: Double)
    /// A hook's program was not found (127) or not executable (126).
    case hookNotStarted(hook: String, ExecFailure)
    /// A hook wrote a line to `ENTRYPOINT_ENV` that is not `NAME=VALUE` nor `NAME<<DELIMITER` (1).
    case hookEnvironment(hook: String, line: Int, reason: String)
    /// `--user` cannot be applied: not root, or the kernel refused (1).
    case userSwitch(String)
    /// SIGTERM or SIGINT arrived before the server was started: 128 + n (143, 130).
    case interrupted(signal: Int32)
    /// The command could not be executed: 127 not found, 126 not executable.
    case exec(ExecFailure)
    /// A system call that should not fail did (creating the signal pipe) (1).
    case system(SystemError)

    /// The exit code for this failure.
    public var exitCode: Int32 {
        switch self {
        case .usage: return ExitCode.usage
        case .templates(let error): return error.exitCode
        case .waitTimedOut: return ExitCode.timeout
        case .waitUnavailable: return ExitCode.unavailable
        case .input: return ExitCode.noInput
        case .output: return ExitCode.cannotCreate
        case .hookFailed(_, let status): return status.exitCode
        case .hookTimedOut: return ExitCode.timeout
        case .hookNotStarted(_, let failure): return failure.status
        case .hookEnvironment: return ExitCode.failure
        case .userSwitch: return ExitCode.failure
        case .interrupted(let signal): return ExitCode.signaled(signal)
        case .exec(let failure): return failure.status
        case .system: return ExitCode.failure
        }
    }

    /// The message, without the `entrypoint: error: ` prefix.
    public var description: String {
        switch self {
        case .usage(let message):
            return message
        case .templates(let error):
            return error.description
        case .waitTimedOut(let targets):
            return "gave up waiting for \(targets.joined(separator: ", ")); start-up stopped"
        case .waitUnavailable(let target):
            return "\(target) is unavailable; start-up stopped"
        case .input(let path, let error):
            return "cannot read \(path): \(errorText(error.errno))"
        case .output(let path, let error):
            return "cannot create \(path): \(errorText(error.errno))"
        case .hookFailed(let hook, .exited(let status)):
            return "hook '\(hook)' failed with exit status \(status); start-up stopped"
        case .hookFailed(let hook, .signaled(let signal)):
            return "hook '\(hook)' was killed by \(signalName(signal)); start-up stopped"
        case .hookTimedOut(let hook, let seconds):
            return
                "hook '\(hook)' ran past its timeout of \(formatSeconds(seconds)) and was ended; "
                + "start-up stopped"
        case .hookNotStarted(let hook, let failure):
            return "hook '\(hook)': \(failure.description)"
        case .hookEnvironment(let hook, let line, let reason):
            return "hook '\(hook)' wrote line \(line) of ENTRYPOINT_ENV: \(reason)"
        case .userSwitch(let message):
            return message
        case .interrupted(let signal):
            return "\(signalName(signal)) received: start-up aborted"
        case .exec(let failure):
            return failure.description
        case .system(let error):
            return error.description
        }
    }
}

/// `2.5s`, `500ms`, `90s`, `2m`: a duration as the logs print it.
public func formatSeconds(_ seconds: Double) -> String {
    if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    let hundredths = Int((seconds * 100).rounded())
    if hundredths % 6000 == 0 && hundredths >= 12000 { return "\(hundredths / 6000)m" }
    if hundredths % 100 == 0 { return "\(hundredths / 100)s" }
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)s"
}
