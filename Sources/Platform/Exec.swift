/// Replaces the current process with `command` (execve), the way a container's PID 1 must start its
/// server: same PID, argv and environment as given, an empty signal mask, default signal dispositions,
/// and every buffered byte of output flushed first.
///
/// Dispatch and Swift-concurrency threads block almost every signal and that mask survives `execve`;
/// ignored signals survive it too. A server started with either would not die on `docker stop`'s
/// SIGTERM. Call this from the main thread of a synchronous `main` (tini's `restore_signals` does the
/// same reset).
///
/// The program is looked up like `execvp(3)`, with the `PATH` of `environment` (see `searchProgram`).
///
/// Returns only on failure: `ExecFailure` says whether nothing was found (exit 127) or something was
/// found and not executable (exit 126).
public func execInPlace(_ command: [String], environment: [String: String]) -> ExecFailure {
    let lines = environmentLines(environment)
    prepareSignalsForExec()
    fflush(nil)
    let failure = searchProgram(command, environment: environment) { path, arguments in
        execute(path, arguments: arguments, environment: lines)
    }
    // execve returns only on failure, so the search always ends with one.
    return failure
        ?? ExecFailure(status: ExitCode.notFound, path: command.first ?? "", errno: ENOENT)
}

/// The program search of `execvp(3)`, shared by `execInPlace` and the spawning of hooks and init
/// children: `attempt(path, argv)` is called for each candidate and returns 0 when the program started
/// (a successful `posix_spawn`; `execve` never returns then) or the `errno` of the failure.
///
/// A name containing `/` is used as is, otherwise each entry of `PATH` (from `environment`, default
/// `/usr/local/bin:/usr/bin:/bin`; an empty entry is the current directory) is tried in order. A file
/// that exists but cannot be executed (EACCES) is remembered and the search goes on; a file without a
/// valid executable header (ENOEXEC) is run by `/bin/sh`, as `execvp` does; any other failure on an
/// existing file (E2BIG, ENOMEM, ETXTBSY, ...) stops the search.
///
/// Returns nil when the program started, else why not: 127 when nothing was found, 126 when something
/// was found and could not be executed.
public func searchProgram(
    _ command: [String], environment: [String: String],
    _ attempt: (_ path: String, _ arguments: [String]) -> Int32
) -> ExecFailure? {
    guard let program = command.first, !program.isEmpty else {
        return ExecFailure(status: ExitCode.notFound, path: "", errno: ENOENT)
    }
    let candidates: [String]
    if program.contains("/") {
        candidates = [program]
    } else {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        candidates = path.split(separator: ":", omittingEmptySubsequences: false).map {
            ($0.isEmpty ? "." : String($0)) + "/" + program
        }
    }

    var notExecutable: (path: String, errno: Int32)?
    var lastError = ENOENT
    for candidate in candidates {
        let code = attempt(candidate, command)
        switch code {
        case 0:
            return nil
        case ENOEXEC:
            // Not a binary nor a script with `#!`: execvp hands it to the shell.
            let code = attempt("/bin/sh", ["/bin/sh", candidate] + command.dropFirst())
            if code == 0 { return nil }
            notExecutable = notExecutable ?? (candidate, ENOEXEC)
        case EACCES, EISDIR, EPERM:
            notExecutable = notExecutable ?? (candidate, code)
        case ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, ESTALE, ENODEV, ETIMEDOUT:
            lastError = code
        default:
            return ExecFailure(status: ExitCode.notExecutable, path: candidate, errno: code)
        }
    }
    if let notExecutable {
        return ExecFailure(
            status: ExitCode.notExecutable, path: notExecutable.path, errno: notExecutable.errno)
    }
    return ExecFailure(status: ExitCode.notFound, path: program, errno: lastError)
}

/// Why `execInPlace` returned: the exit code to use (126 or 127) and the failing path and errno.
public struct ExecFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// 127 when the program was not found, 126 when it was found and could not be executed.
    public var status: Int32
    /// The path that failed (the program name when nothing was found).
    public var path: String
    /// The `errno` of the failing `execve`.
    public var errno: Int32

    public var description: String {
        if status == ExitCode.notFound {
            return "\(path): command not found"
        }
        return "\(path): cannot execute: \(errorText(errno))"
    }
}

/// Empties the signal mask of the calling thread and sets every signal's disposition to `SIG_DFL`.
///
/// Also used by `posix_spawn` callers through `POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF`; here it
/// is done by hand because `execve` has no such attributes.
public func prepareSignalsForExec() {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = SIG_DFL
    sigemptyset(&action.sa_mask)
    // 64 = NSIG - 1 on Linux (SIGRTMAX is a function macro the Glibc module does not export).
    // glibc refuses to touch its internal signals 32 and 33 (EINVAL): they keep what the entrypoint
    // inherited, SIG_DFL under a container runtime (glibc's posix_spawn, by contrast, hands them on
    // as SIG_IGN unless their bits are set by hand in the SETSIGDEF set).
    for number in Int32(1)...64 where number != SIGKILL && number != SIGSTOP {
        _ = sigaction(number, &action, nil)
    }
    var empty = sigset_t()
    sigemptyset(&empty)
    _ = pthread_sigmask(SIG_SETMASK, &empty, nil)
}

/// `execve(2)`; returns its errno (it returns only on failure).
private func execute(_ path: String, arguments: [String], environment: [[UInt8]]) -> Int32 {
    withCStringArray(arguments) { argv in
        withCStringArray(environment) { envp in
            _ = execve(path, argv, envp)
            return errno
        }
    }
}

/// Runs `body` with a NULL-terminated `char *[]` of `strings`.
public func withCStringArray<R>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress.unsafelyUnwrapped) }
}
