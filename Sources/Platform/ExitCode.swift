internal import Glibc

/// The exit codes shared by all three tools (README.md, "Exit codes"); `envsubst` mode uses GNU envsubst's instead.
public enum ExitCode {
    /// Success.
    public static let success: Int32 = 0
    /// A template or check problem: unset variable, syntax error, lint findings.
    public static let failure: Int32 = 1
    /// A usage error: unknown flag, malformed duration, port or target (sysexits `EX_USAGE`).
    public static let usage: Int32 = 64
    /// An input (template, env file, `_FILE` secret) is missing or unreadable (`EX_NOINPUT`).
    public static let noInput: Int32 = 66
    /// A dependency is permanently unavailable, e.g. MySQL error 1129 (`EX_UNAVAILABLE`).
    public static let unavailable: Int32 = 69
    /// An output cannot be created; the old output is untouched (`EX_CANTCREAT`).
    public static let cannotCreate: Int32 = 73
    /// A wait or a hook ran past its timeout (as coreutils `timeout`).
    public static let timeout: Int32 = 124
    /// The command to exec is not executable.
    public static let notExecutable: Int32 = 126
    /// The command to exec is not found.
    public static let notFound: Int32 = 127

    /// The status of a process that died of `signal`, as shells report it: 128 + n.
    public static func signaled(_ signal: Int32) -> Int32 { 128 + signal }
}

/// Ends the process with `status` (`exit(3)`: C-library buffers are flushed, `atexit` handlers run).
public func exitProcess(_ status: Int32) -> Never {
    exit(status)
}
