// Processes: starting children (posix_spawn), reaping them, signalling a child or its whole process
// group, becoming the reaper of orphans without being PID 1, and what the process knows of itself
// (its PID, the CPUs online).

internal import CPlatform
internal import Glibc

// MARK: - Spawning

/// Starts `command` as a hook, an init child or a reload check is started: looked up in `PATH` as
/// `execvp` does (`searchProgram`), spawned by `posix_spawn(3)` in a process group of its own (the
/// group's ID is the child's PID, so that ending the group reaches whatever it started) with
/// `environment`, an empty signal mask and every signal at `SIG_DFL`.
///
/// With `output`, the child's stdin is `/dev/null` and its stdout and stderr go to that descriptor
/// (a `--reload-check`, whose output is logged).
///
/// Returns the child's PID, or throws why no candidate could be started (127 / 126).
public func startCommand(
    _ command: [String], environment: Environment, output: Int32? = nil
) throws(ExecFailure) -> Int32 {
    let lines = environment.lines
    var pid: Int32 = 0
    let failure = searchProgram(command, environment: environment) { path, arguments in
        do throws(SystemError) {
            pid = try spawnProcess(path, arguments: arguments, environment: lines, output: output)
            return 0
        } catch {
            return error.errno
        }
    }
    if let failure { throw failure }
    return pid
}

/// Starts `path` with `arguments` and `environment` through `posix_spawn(3)` in a process group of
/// its own: an empty signal mask and every signal at `SIG_DFL` (a blocked or ignored signal survives
/// `execve(2)`, so the entrypoint's own signal state and any mask inherited from the container
/// runtime must not leak into a server, which would then not die on `docker stop`). With `output`,
/// stdin is `/dev/null` and stdout and stderr go to `output`.
///
/// Returns the child's PID. Throws the failed spawn's `errno` (glibc reports the child's `execve`
/// errno through its `CLONE_VFORK` handshake, so ENOENT, EACCES and ENOEXEC arrive here), or
/// `access`'s for a path that does not exist.
func spawnProcess(
    _ path: String, arguments: [String], environment: [[UInt8]], output: Int32?
) throws(SystemError) -> Int32 {
    // A PATH candidate that does not exist is skipped without a spawn: each failed posix_spawn costs
    // a clone (and a PID).
    if access(path, F_OK) != 0 {
        throw SystemError(errno: errno, operation: "access(\(path))")
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    // Every signal 1-64 at SIG_DFL, glibc's internal 32 and 33 included: sigfillset and sigaddset leave
    // them out, and posix_spawn sets a signal outside the set to SIG_IGN in the child, which would
    // survive the child's exec (SigIgn 0000000180000000). The bits are set by hand.
    var all = sigset_t()
    withUnsafeMutableBytes(of: &all) { $0.storeBytes(of: UInt64.max, as: UInt64.self) }
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
        &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let output {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
    }

    var pid: pid_t = 0
    let code = withCStringArray(arguments) { argv in
        withCStringArray(environment) { envp in
            posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        }
    }
    if code != 0 { throw SystemError(errno: code, operation: "posix_spawn(\(path))") }
    return pid
}

// MARK: - Reaping

/// How a child process ended.
public enum TerminationStatus: Equatable, Sendable, CustomStringConvertible {
    /// It called `exit` with this status.
    case exited(Int32)
    /// It was killed by this signal.
    case signaled(Int32)

    /// The shell's number for it: the status, or 128 + the signal (tini's mapping).
    public var exitCode: Int32 {
        switch self {
        case .exited(let status): return status
        case .signaled(let signal): return ExitCode.signaled(signal)
        }
    }

    /// `exit status 3`, `killed by SIGTERM`.
    public var description: String {
        switch self {
        case .exited(let status): return "exit status \(status)"
        case .signaled(let signal): return "killed by \(signalName(signal))"
        }
    }

    /// Decodes a `waitpid(2)` status word (the WIFEXITED/WTERMSIG macros are not imported).
    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(status & 0x7f)
        }
    }
}

/// `waitpid(pid, WNOHANG)` (`pid` -1: any child): the PID and status of a child that has ended; nil
/// when none has yet, or when there is no such child (ECHILD, the only failure with these
/// arguments: none left to wait for).
public func reapWithoutBlocking(_ pid: Int32) -> (pid: Int32, status: TerminationStatus)? {
    var status: Int32 = 0
    while true {
        let result = waitpid(pid, &status, WNOHANG)
        if result > 0 { return (result, TerminationStatus(waitStatus: status)) }
        if result < 0 && errno == EINTR { continue }
        return nil
    }
}

// MARK: - Signalling

/// `kill(pid, signal)`. ESRCH (the process is gone) is thrown like any other error: callers that
/// race with a child's exit ignore it.
public func signalProcess(_ pid: Int32, _ signal: Int32) throws(SystemError) {
    _ = try retryingOnInterrupt("kill(\(pid), \(signal))") { kill(pid, signal) }
}

/// `killpg(group, signal)`: `signal` to every process of process group `group`.
public func signalProcessGroup(_ group: Int32, _ signal: Int32) throws(SystemError) {
    _ = try retryingOnInterrupt("killpg(\(group), \(signal))") { killpg(group, signal) }
}

// MARK: - Orphans

/// `prctl(PR_SET_CHILD_SUBREAPER, 1)`: descendants orphaned by their parent are re-parented to the
/// caller instead of to PID 1 (Linux 3.4), which must then reap them, as `tini -s` does.
public func becomeChildSubreaper() throws(SystemError) {
    _ = try retryingOnInterrupt("prctl(PR_SET_CHILD_SUBREAPER)") {
        cplatform_set_child_subreaper(1)
    }
}

/// `prctl(PR_GET_CHILD_SUBREAPER)`: whether the caller is a child subreaper.
public func isChildSubreaper() throws(SystemError) -> Bool {
    var value: Int32 = 0
    _ = try retryingOnInterrupt("prctl(PR_GET_CHILD_SUBREAPER)") {
        cplatform_get_child_subreaper(&value)
    }
    return value != 0
}

// MARK: - The process itself

/// `getpid(2)`: for log lines and the names of the files a transaction keeps aside.
public func currentProcessID() -> Int32 {
    getpid()
}

/// `sysconf(_SC_NPROCESSORS_ONLN)`: the CPUs online, as `getconf _NPROCESSORS_ONLN`; at least 1.
public func onlineProcessorCount() -> Int {
    max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
}

/// `madvise(MADV_POPULATE_READ)` over the executable's code (its `r-xp` mappings in
/// `/proc/self/maps`): maps every page of it now, so that code run for the first time later — a
/// supervisor's forwarding of the first SIGTERM — does not wait for page faults first. Linux 5.14;
/// an older kernel's EINVAL is thrown like any error.
public func prefaultExecutableCode() throws(SystemError) {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { throw SystemError(errno: errno, operation: "readlink(/proc/self/exe)") }
    let executable = String(
        decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let maps = String(decoding: try readWholeFile("/proc/self/maps"), as: UTF8.self)
    for line in maps.split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 6, fields[1] == "r-xp", fields[5] == executable else { continue }
        let range = fields[0].split(separator: "-")
        guard range.count == 2, let start = UInt(range[0], radix: 16),
            let end = UInt(range[1], radix: 16), end > start,
            let address = UnsafeMutableRawPointer(bitPattern: start)
        else { continue }
        // MADV_POPULATE_READ (22) is newer than the Glibc module's headers.
        _ = try retryingOnInterrupt("madvise(\(executable), MADV_POPULATE_READ)") {
            madvise(address, Int(end - start), 22)
        }
    }
}
