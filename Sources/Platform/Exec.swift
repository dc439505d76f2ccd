internal import Glibc

/// Starts `command` in place of the current process, as a container's PID 1 must: the one exec path
/// of `entrypoint` and of `wait-for ... -- COMMAND`.
///
/// In order: SIGTERM and SIGINT are blocked, so that one arriving from here on stays pending instead
/// of reaching a handler after the last look at `SignalPipe` (it would be swallowed and the server
/// start anyway); then the abort check: if one arrived before (`SignalPipe.abortSignal`), nothing is
/// started and `.interrupted` is returned, the signals still blocked so that the caller can say so and
/// exit 128 + n. Otherwise `announce` (the log line), then `execInPlace`: dispositions reset, the mask
/// emptied — a signal that came after the block is delivered then, with its default action, and ends
/// the process before the server exists —, output flushed, `execve`.
///
/// Returns only when the command was not started.
public func execAsProcessOne(
    _ command: [String], environment: Environment, announce: () -> Void = {}
) -> ExecStopped {
    var aborts = sigset_t()
    sigemptyset(&aborts)
    sigaddset(&aborts, SIGTERM)
    sigaddset(&aborts, SIGINT)
    _ = pthread_sigmask(SIG_BLOCK, &aborts, nil)
    if let signal = SignalPipe.abortSignal { return .interrupted(signal: signal) }
    announce()
    return .failed(execInPlace(command, environment: environment))
}

/// Why `execAsProcessOne` returned instead of becoming the command.
public enum ExecStopped: Error, Equatable, Sendable {
    /// SIGTERM or SIGINT arrived before the exec: nothing was started (exit 128 + n).
    case interrupted(signal: Int32)
    /// The program could not be executed: 127 not found, 126 not executable.
    case failed(ExecFailure)
}

/// Replaces the current process with `command` (execve), the way a container's PID 1 must start its
/// server: same PID, argv and environment as given, an empty signal mask, default signal dispositions,
/// and every buffered byte of output flushed first.
///
/// Dispatch and Swift-concurrency threads block almost every signal and that mask survives `execve`;
/// ignored signals survive it too. A server started with either would not die on `docker stop`'s
/// SIGTERM. Call this from the main thread of a synchronous `main` (tini's `restore_signals` does the
/// same reset). Internal: `execAsProcessOne`, which also closes the window for a late SIGTERM, is the
/// one way in.
///
/// The program is looked up like `execvp(3)`, with the `PATH` of `environment` (see `searchProgram`);
/// the environment is passed on byte for byte.
///
/// Returns only on failure: `ExecFailure` says whether nothing was found (exit 127) or something was
/// found and not executable (exit 126).
func execInPlace(_ command: [String], environment: Environment) -> ExecFailure {
    let lines = environment.lines
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
    _ command: [String], environment: Environment,
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
        case ENOENT where isExistingFile(candidate):
            // The file is there: what is missing is the interpreter its `#!` line (or its ELF
            // header) names. execvp would go on searching and report "not found"; say which.
            notExecutable = notExecutable ?? (candidate, ENOENT)
        case EACCES where isDirectory(candidate):
            // execve says EACCES for a directory; the message says what it is.
            notExecutable = notExecutable ?? (candidate, EISDIR)
        case EACCES, EISDIR, EPERM:
            notExecutable = notExecutable ?? (candidate, code)
        case ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, ESTALE, ENODEV, ETIMEDOUT:
            lastError = code
        default:
            return ExecFailure(status: ExitCode.notExecutable, path: candidate, errno: code)
        }
    }
    if let notExecutable {
        var failure = ExecFailure(
            status: ExitCode.notExecutable, path: notExecutable.path, errno: notExecutable.errno)
        if notExecutable.errno == ENOENT {
            failure.missingInterpreter = interpreter(of: failure.path)
        }
        return failure
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
    /// For a file that exists but whose interpreter does not (ENOENT, 126): what its first line
    /// names — the `#!` program with its bytes as the kernel read them (`/bin/sh\r` from a CRLF
    /// file), or `.loader` for an ELF binary whose dynamic loader is missing. nil when unknown.
    public var missingInterpreter: MissingInterpreter?

    /// A failure of `path` with `status` and `errno`.
    public init(status: Int32, path: String, errno: Int32) {
        self.status = status
        self.path = path
        self.errno = errno
    }

    public var description: String {
        if status == ExitCode.notFound {
            return "\(path): command not found"
        }
        guard errno == ENOENT else { return "\(path): cannot execute: \(errorText(errno))" }
        switch missingInterpreter {
        case .script(let program) where program.hasSuffix("\r"):
            return
                "\(path): cannot execute: its #! line names '\(escaped(program))', which ends in a "
                + "carriage return: the file has CRLF line endings (convert it to LF, e.g. dos2unix)"
        case .script(let program):
            return
                "\(path): cannot execute: its interpreter \(escaped(program)) (#! line) was not found"
        case .loader:
            return
                "\(path): cannot execute: its dynamic loader was not found (a binary built for "
                + "another C library or architecture?)"
        case nil:
            return "\(path): cannot execute: its interpreter was not found"
        }
    }
}

/// What a file that exists but cannot be started names as its interpreter.
public enum MissingInterpreter: Equatable, Sendable {
    /// The program of its `#!` line, as the kernel reads it (up to the first blank or newline).
    case script(String)
    /// An ELF binary: its dynamic loader (`PT_INTERP`) is missing.
    case loader
}

/// `text` with control characters written as `\r`, `\t` or `\xNN`, so a message shows them.
private func escaped(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let hex = String(scalar.value, radix: 16)
            result += "\\x" + (hex.count == 1 ? "0" : "") + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result
}

/// What the first bytes of `path` name as its interpreter; nil when unreadable or neither a `#!`
/// script nor ELF.
private func interpreter(of path: String) -> MissingInterpreter? {
    guard let fd = try? openFile(path, .read) else { return nil }
    defer { closeFile(fd) }
    // The kernel reads at most 256 bytes of a #! line (BINPRM_BUF_SIZE).
    var head = [UInt8](repeating: 0, count: 256)
    let count = head.withUnsafeMutableBytes { buffer in
        (try? readSome(
            fd, into: buffer.baseAddress.unsafelyUnwrapped, count: buffer.count, name: path)) ?? 0
    }
    let bytes = head[..<count]
    if bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return .loader }
    guard bytes.starts(with: [0x23, 0x21]) else { return nil }
    // As binfmt_script: blanks after `#!` skipped, the program ends at a blank or the newline.
    let line = bytes.dropFirst(2).prefix { $0 != 0x0A }
    let program = line.drop { $0 == 0x20 || $0 == 0x09 }.prefix { $0 != 0x20 && $0 != 0x09 }
    guard !program.isEmpty else { return nil }
    return .script(String(decoding: program, as: UTF8.self))
}

/// Whether `path` names something that exists and is not a directory (`stat(2)`).
private func isExistingFile(_ path: String) -> Bool {
    guard let status = try? fileStatus(path) else { return false }
    return !status.isDirectory
}

/// Empties the signal mask of the calling thread and sets every signal's disposition to `SIG_DFL`.
///
/// Also used by `posix_spawn` callers through `POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF`; here it
/// is done by hand because `execve` has no such attributes.
func prepareSignalsForExec() {
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
