// All Glibc calls of the Entrypoint target: spawning and reaping children, signals, locks, credentials
// and directory listing, behind small wrappers that retry on EINTR and name the C function they call.

import Glibc
import Platform

// MARK: - Spawning

/// Starts `command` as a hook, an init child or a reload check is started: looked up in PATH as
/// `execvp` does (`searchProgram`), spawned by `spawnProcess` in a process group of its own with
/// `environment` (and `output`, as there).
///
/// Returns the child's PID, or throws why no candidate could be started (127 / 126).
func startCommand(
    _ command: [String], environment: Environment, output: Int32? = nil
) throws(ExecFailure) -> pid_t {
    let lines = environment.lines
    var pid: pid_t = 0
    let failure = searchProgram(command, environment: environment) { path, arguments in
        switch spawnProcess(
            path, arguments: arguments, environment: lines, newProcessGroup: true, output: output)
        {
        case .success(let child):
            pid = child
            return 0
        case .failure(let error):
            return error.errno
        }
    }
    if let failure { throw failure }
    return pid
}

/// Starts `path` with `arguments` and `environment` through `posix_spawn(3)`, as a hook or an init
/// child is started: an empty signal mask and every signal at `SIG_DFL` (a blocked or ignored signal
/// survives `execve(2)`, so the entrypoint's own signal state and any mask inherited from the
/// container runtime must not leak into a server, which would then not die on `docker stop`), and,
/// when `newProcessGroup` is set, a process group of its own so that ending it reaches its children.
/// With `output`, the child's stdin is `/dev/null` and its stdout and stderr go to that descriptor
/// (a `--reload-check`, whose output is logged).
///
/// Returns the child's PID, or the `errno` of the failed spawn (glibc reports the child's `execve`
/// errno through its `CLONE_VFORK` handshake, so ENOENT, EACCES and ENOEXEC arrive here).
func spawnProcess(
    _ path: String, arguments: [String], environment: [[UInt8]], newProcessGroup: Bool,
    output: Int32? = nil
) -> Result<pid_t, SystemError> {
    // A PATH candidate that does not exist is skipped without a spawn: each failed posix_spawn costs
    // a clone (and a PID).
    if access(path, F_OK) != 0 {
        return .failure(SystemError(errno: errno, operation: "access(\(path))"))
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
    var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
    if newProcessGroup {
        flags |= Int32(POSIX_SPAWN_SETPGROUP)
        posix_spawnattr_setpgroup(&attributes, 0)
    }
    posix_spawnattr_setflags(&attributes, Int16(flags))
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
    if code != 0 { return .failure(SystemError(errno: code, operation: "posix_spawn(\(path))")) }
    return .success(pid)
}

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

/// `waitpid(pid, WNOHANG)`: the PID and status of a child that has ended, nil when none has (or
/// there are no children left, ECHILD).
func reapWithoutBlocking(_ pid: pid_t) -> (pid: pid_t, status: TerminationStatus)? {
    var status: Int32 = 0
    while true {
        let result = waitpid(pid, &status, WNOHANG)
        if result > 0 { return (result, TerminationStatus(waitStatus: status)) }
        if result < 0 && errno == EINTR { continue }
        return nil
    }
}

/// `kill(2)`; a process that is already gone (ESRCH) is not an error here.
func sendSignal(_ signal: Int32, to pid: pid_t) {
    _ = kill(pid, signal)
}

/// `killpg(2)`: `signal` to every process of group `group`.
func sendSignal(_ signal: Int32, toGroup group: pid_t) {
    _ = killpg(group, signal)
}

// MARK: - Signals

/// The signals init mode forwards: every catchable one but SIGCHLD (which it handles itself) and the
/// synchronous faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS: blocking them is undefined
/// when they are raised by the process itself, and they mean nothing to the child). tini forwards the
/// same set. 32 and 33 are glibc's internal real-time signals and cannot be blocked.
let forwardedSignals: [Int32] = (Int32(1)...64).filter {
    ![SIGKILL, SIGSTOP, SIGCHLD, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, 32, 33].contains(
        $0)
}

/// `sigaction(signal, SIG_DFL)`.
func resetToDefault(_ signal: Int32) {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = SIG_DFL
    sigemptyset(&action.sa_mask)
    _ = sigaction(signal, &action, nil)
}

/// Blocks `signals` in the calling thread with `pthread_sigmask(2)`.
///
/// The mask is per thread. The only other threads are WaitFor's resolver threads, which start with
/// every signal blocked (`startDetachedThread` in Sources/WaitFor/System.swift), so a signal blocked
/// here stays pending for the main thread instead of being delivered to one of them.
func blockSignals(_ signals: [Int32]) {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    _ = pthread_sigmask(SIG_BLOCK, &set, nil)
}

/// Waits up to `milliseconds` (-1: forever) for the signal pipe to become readable.
func waitForSignalPipe(milliseconds: Int32) {
    guard SignalPipe.readDescriptor >= 0 else {
        if milliseconds > 0 { sleepNanoseconds(UInt64(milliseconds) * 1_000_000) }
        return
    }
    var fds = [pollfd(fd: SignalPipe.readDescriptor, events: Int16(POLLIN), revents: 0)]
    _ = poll(&fds, 1, milliseconds)
}

/// The conventional name of `signal` (`SIGTERM`), or `signal N` for the rest.
public func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
        SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
        SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
        SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGCHLD: "SIGCHLD",
        SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN",
        SIGTTOU: "SIGTTOU", SIGURG: "SIGURG", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
        SIGVTALRM: "SIGVTALRM", SIGPROF: "SIGPROF", SIGWINCH: "SIGWINCH", SIGIO: "SIGIO",
        SIGPWR: "SIGPWR", SIGSYS: "SIGSYS",
    ]
    return names[signal] ?? "signal \(signal)"
}

/// `getpid(2)`, for log lines.
func processID() -> pid_t { getpid() }

// MARK: - Terminal

/// Hands the terminal on stdin to process group `group` when stdin is a terminal whose foreground
/// group is ours, as tini does, so that a child reading it is not stopped by SIGTTIN and Ctrl-C reaches
/// it. SIGTTOU must be blocked or ignored by the caller when it takes the terminal back.
func handTerminal(to group: pid_t) {
    guard isatty(0) == 1, tcgetpgrp(0) == getpgrp() else { return }
    _ = tcsetpgrp(0, group)
}

/// Takes the terminal on stdin back for our own process group, if `group` holds it; SIGTTOU is blocked
/// for the call so that a background caller is not stopped by it.
func takeTerminalBack(from group: pid_t) {
    guard isatty(0) == 1, tcgetpgrp(0) == group else { return }
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGTTOU)
    var old = sigset_t()
    _ = pthread_sigmask(SIG_BLOCK, &set, &old)
    _ = tcsetpgrp(0, getpgrp())
    _ = pthread_sigmask(SIG_SETMASK, &old, nil)
}

// MARK: - Files

/// `flock(fd, LOCK_EX | LOCK_NB)`: true when the lock was taken, false when another holds it.
func tryExclusiveLock(_ fd: Int32, path: String) throws(SystemError) -> Bool {
    while true {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        let code = errno
        if code == EINTR { continue }
        if code == EWOULDBLOCK { return false }
        throw SystemError(errno: code, operation: "flock(\(path))")
    }
}

/// `mkdtemp(3)` for `directory/prefix.XXXXXX`; the new directory has mode 0700.
func makeTemporaryDirectory(in directory: String, prefix: String) throws(SystemError) -> String {
    var template = Array("\(directory)/\(prefix).XXXXXX".utf8CString)
    let result = template.withUnsafeMutableBufferPointer {
        mkdtemp($0.baseAddress.unsafelyUnwrapped)
    }
    guard let result else {
        throw SystemError(errno: errno, operation: "mkdtemp(\(directory)/\(prefix).XXXXXX)")
    }
    return String(cString: result)
}

/// `unlink(2)`, ignoring errors (used for clean-up only).
func removeFile(_ path: String) {
    _ = unlink(path)
}

/// `rmdir(2)`, ignoring errors (used for clean-up only).
func removeDirectory(_ path: String) {
    _ = rmdir(path)
}

/// What `stat(2)` (following symbolic links) says about a path, for hook directories and programs.
struct FileFacts {
    /// A regular file.
    var isRegular: Bool
    /// A directory.
    var isDirectory: Bool
    /// Some execute bit is set.
    var hasExecuteBit: Bool
}

/// Whether `path` is a directory (`stat(2)`, symbolic links followed).
public func isDirectory(_ path: String) -> Bool {
    (try? fileFacts(path))?.isDirectory ?? false
}

/// `stat(2)` on `path`.
func fileFacts(_ path: String) throws(SystemError) -> FileFacts {
    var info = stat()
    _ = try retryingOnInterrupt("stat(\(path))") { stat(path, &info) }
    return FileFacts(info)
}

extension FileFacts {
    /// What `stat`/`lstat` said of an entry.
    fileprivate init(_ info: stat) {
        let type = info.st_mode & S_IFMT
        self.init(
            isRegular: type == S_IFREG, isDirectory: type == S_IFDIR,
            hasExecuteBit: info.st_mode & 0o111 != 0)
    }
}

/// An open directory (`opendir(3)`), read once by `names()`; closed when the value goes.
///
/// Opening and reading are separate steps because they fail separately: `readdir` can fail after a
/// successful `opendir` (EIO, ESTALE or ENOMEM on a network volume, EACCES on some `/proc`
/// directories), and a listing that stops early must be an error, not fewer entries. (glibc's
/// `readdir` itself reads ENOENT, a directory removed while open, as the end of the listing.)
final class DirectoryStream {
    /// The path it was opened with, for error messages.
    let path: String
    private let handle: OpaquePointer

    /// `opendir(path)`.
    init(_ path: String) throws(SystemError) {
        guard let handle = opendir(path) else {
            throw SystemError(errno: errno, operation: "opendir(\(path))")
        }
        self.path = path
        self.handle = handle
    }

    deinit { closedir(handle) }

    /// The names in the directory (`readdir(3)` until it returns NULL), without `.` and `..`,
    /// unsorted; throws when `readdir` ends with an error rather than at the end of the listing.
    ///
    /// `next` is `readdir` itself; tests pass one that fails part-way, as a failing volume does.
    func names(
        next: (OpaquePointer) -> UnsafeMutablePointer<dirent>? = { readdir($0) }
    ) throws(SystemError) -> [String] {
        var names: [String] = []
        while true {
            // readdir returns NULL both at the end and on failure; only errno tells them apart.
            errno = 0
            guard let entry = next(handle) else {
                let code = errno
                if code == EINTR { continue }
                if code != 0 { throw SystemError(errno: code, operation: "readdir(\(path))") }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }
}

// MARK: - Credentials

/// The real and effective user and group IDs of the process.
struct ProcessCredentials: Equatable {
    var uid: uid_t
    var effectiveUID: uid_t
    var gid: gid_t
    var effectiveGID: gid_t

    /// `getuid`, `geteuid`, `getgid`, `getegid`.
    static func current() -> ProcessCredentials {
        ProcessCredentials(
            uid: getuid(), effectiveUID: geteuid(), gid: getgid(), effectiveGID: getegid())
    }
}

/// `setgroups(2)`, `setgid(2)`, `setuid(2)` in that order: supplementary groups and the group must be
/// changed while the process still has the privilege to do so.
func switchCredentials(uid: uid_t, gid: gid_t, groups: [gid_t]) throws(SystemError) {
    var list = groups
    _ = try retryingOnInterrupt("setgroups") { setgroups(list.count, &list) }
    _ = try retryingOnInterrupt("setgid(\(gid))") { setgid(gid) }
    _ = try retryingOnInterrupt("setuid(\(uid))") { setuid(uid) }
}

// MARK: - Watch

/// The device and inode of `path` (`stat(2)`, symbolic links followed), nil when it cannot be
/// stat'ed: how the watch plan knows a directory tree it already walked (a link loop).
func fileIdentity(_ path: String) -> FileIdentity? {
    var info = stat()
    guard (try? retryingOnInterrupt("stat(\(path))") { stat(path, &info) }) != nil else {
        return nil
    }
    return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
}

/// `pipe(2)` with both ends close-on-exec and the read end non-blocking: the output of a
/// `--reload-check` (the child's copies made by `dup2` are not close-on-exec).
func makeOutputPipe() throws(SystemError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    _ = try retryingOnInterrupt("pipe") { pipe(&fds) }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
    return (fds[0], fds[1])
}

/// A file's device and inode number.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
}

/// The first of `signals` that is pending (blocked and not yet taken), without taking it
/// (`sigpending(2)`): how a running reload check learns that the server is stopping while the
/// supervisor's loop still has the signal to act on.
func firstPendingSignal(_ signals: [Int32]) -> Int32? {
    var set = sigset_t()
    sigemptyset(&set)
    guard sigpending(&set) == 0 else { return nil }
    return signals.first { sigismember(&set, $0) == 1 }
}

/// `poll(2)` for `POLLIN` on `descriptors` (negative ones are ignored) for up to `milliseconds`
/// (-1: forever); returns how many became readable (0 on timeout or EINTR).
@discardableResult
func waitUntilReadable(_ descriptors: [Int32], milliseconds: Int32) -> Int {
    var fds = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    return max(0, Int(poll(&fds, nfds_t(fds.count), milliseconds)))
}

/// One `read(2)` of up to 4 KiB from a non-blocking descriptor: the bytes, empty at end of file, nil
/// when nothing is there now (EAGAIN) or the read failed.
func readAvailable(_ fd: Int32) -> [UInt8]? {
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n >= 0 { return Array(chunk[0..<n]) }
        if errno != EINTR { return nil }
    }
}

// MARK: - nginx image parity: file edits

/// Whether the process may write `path` (`access(2)` with `W_OK`), as the shell's `test -w`.
func isWritable(_ path: String) -> Bool {
    access(path, W_OK) == 0
}

/// Whether `path` is a regular file (`stat(2)`, symbolic links followed), as the shell's `test -f`.
func isRegularFile(_ path: String) -> Bool {
    (try? fileFacts(path))?.isRegular ?? false
}

/// `mkdir(2)` of `path` and its missing parents (mode 0755), as `mkdir -p`.
func makeDirectories(_ path: String) throws(SystemError) {
    if isDirectory(path) { return }
    let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        .joined(separator: "/")
    if !parent.isEmpty { try makeDirectories(parent) }
    if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw SystemError(errno: errno, operation: "mkdir(\(path))")
    }
}

/// Replaces `path` with `bytes` atomically: a temporary file beside it (`mkstemp(3)`), the old
/// file's mode and owner (`fchmod(2)`, `fchown(2)`; a new file gets `mode`), then `rename(2)`, so
/// a reader sees the old file or the new one, never a half-written one. Nothing is left behind on
/// failure.
func replaceFile(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
    var old = stat()
    let exists = stat(path, &old) == 0
    var template = Array("\(path).entrypoint.XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress.unsafelyUnwrapped) }
    guard fd >= 0 else { throw SystemError(errno: errno, operation: "mkstemp(\(path).XXXXXX)") }
    let temporary = template.withUnsafeBufferPointer {
        String(cString: $0.baseAddress.unsafelyUnwrapped)
    }
    func fail(_ operation: String) -> SystemError {
        let error = SystemError(errno: errno, operation: operation)
        closeFile(fd)
        _ = unlink(temporary)
        return error
    }
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw fail("write(\(temporary))")
        }
        written += count
    }
    if fchmod(fd, exists ? old.st_mode & 0o7777 : mode) != 0 { throw fail("fchmod(\(temporary))") }
    if exists && (old.st_uid != geteuid() || old.st_gid != getegid()) {
        _ = fchown(fd, old.st_uid, old.st_gid)
    }
    closeFile(fd)
    if rename(temporary, path) != 0 {
        let error = SystemError(errno: errno, operation: "rename(\(temporary), \(path))")
        _ = unlink(temporary)
        throw error
    }
}

/// `sysconf(_SC_NPROCESSORS_ONLN)`: the CPUs online, as `getconf _NPROCESSORS_ONLN`.
func onlineProcessorCount() -> Int {
    max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
}

/// `lstat(2)` on `path`: what the entry itself is, a symbolic link not followed.
func linkFacts(_ path: String) throws(SystemError) -> FileFacts {
    var info = stat()
    _ = try retryingOnInterrupt("lstat(\(path))") { lstat(path, &info) }
    return FileFacts(info)
}
