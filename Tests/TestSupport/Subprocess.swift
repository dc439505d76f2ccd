// Spawning the built binaries the way a user (or a container runtime) would: posix_spawn with an empty
// signal mask and default dispositions, pipes for stdin/stdout/stderr, and the exit status as a value.

#if canImport(Glibc)
import Glibc
#endif

/// How a process ended.
public enum TerminationStatus: Equatable, CustomStringConvertible, Sendable {
    case exited(Int32)
    case signaled(Int32)

    /// The shell's view: the exit code, or 128 + signal.
    public var code: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exit \(code)"
        case .signaled(let signal): return "signal \(signal)"
        }
    }

    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(status & 0x7f)
        }
    }
}

/// What a finished process printed and how it ended.
public struct ProcessResult: Sendable {
    public var status: TerminationStatus
    public var stdout: [UInt8]
    public var stderr: [UInt8]

    /// stdout decoded as UTF-8 (invalid bytes repaired).
    public var out: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr decoded as UTF-8 (invalid bytes repaired).
    public var err: String { String(decoding: stderr, as: UTF8.self) }
}

/// A running child process with pipes to its stdin, stdout and stderr.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private var stdinFD: Int32
    private let stdoutFD: Int32
    private let stderrFD: Int32
    private var collectedOut: [UInt8] = []
    private var collectedErr: [UInt8] = []
    private var outOpen = true
    private var errOpen = true
    private var finalStatus: TerminationStatus?

    /// Starts `executable` (a path, or a name looked up in PATH) with `arguments` (without argv[0]).
    ///
    /// - Parameters:
    ///   - argv0: the name the program sees as argv[0] (defaults to `executable`).
    ///   - environment: the whole environment; nil inherits the test's.
    ///   - directory: the working directory; nil inherits.
    ///   - stderrFreeBytes: when set, the stderr pipe is shrunk to one page and filled with `.` until
    ///     only this many bytes are free, so that the child's first write past them blocks until the
    ///     test reads (`finish`, `stderrSoFar`); the filler is part of the collected stderr.
    public init(
        _ executable: String, _ arguments: [String] = [], argv0: String? = nil,
        environment: [String: String]? = nil, directory: String? = nil,
        newProcessGroup: Bool = false, stderrFreeBytes: Int? = nil
    ) throws {
        // A child that exits before reading all its stdin makes our next write fail with EPIPE: that
        // must be an error return, not SIGPIPE killing the whole test process (exit 13). Children
        // start with every signal at SIG_DFL whatever we ignore (POSIX_SPAWN_SETSIGDEF below).
        _ = Glibc.signal(SIGPIPE, SIG_IGN)
        var inPipe: [Int32] = [0, 0]
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        // pipe2 is not exported by the Glibc module: pipe, then FD_CLOEXEC (the tests spawn from one thread).
        for index in 0..<3 {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else {
                throw SpawnError(message: "pipe: \(String(cString: strerror(errno)))")
            }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            switch index {
            case 0: inPipe = fds
            case 1: outPipe = fds
            default: errPipe = fds
            }
        }

        if let stderrFreeBytes {
            // F_SETPIPE_SZ (1031) and F_GETPIPE_SZ (1032) are not exported by the Glibc module.
            _ = fcntl(errPipe[1], 1031, Int32(getpagesize()))
            let capacity = Int(fcntl(errPipe[1], 1032))
            let filler = [UInt8](
                repeating: UInt8(ascii: "."), count: max(0, capacity - stderrFreeBytes))
            guard filler.isEmpty || Glibc.write(errPipe[1], filler, filler.count) == filler.count
            else {
                throw SpawnError(message: "cannot fill the stderr pipe")
            }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        // glibc's sigfillset leaves out its internal signals 32 and 33, and posix_spawn then sets them
        // to SIG_IGN in the child, which survives exec: set their bits by hand so that children start
        // with every signal at SIG_DFL, as under a container runtime.
        withUnsafeMutableBytes(of: &all) { $0.storeBytes(of: UInt64.max, as: UInt64.self) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        // posix_spawn_file_actions_addchdir_np is not exported by the Glibc module: `env -C` changes
        // directory instead (then argv0 cannot be chosen).
        var executable = executable
        var argv = [argv0 ?? executable] + arguments
        if let directory {
            argv = ["/usr/bin/env", "-C", directory, executable] + arguments
            executable = "/usr/bin/env"
        }
        let env: [String]
        if let environment {
            env = environment.map { "\($0.key)=\($0.value)" }.sorted()
        } else {
            env = currentEnvironmentLines()
        }
        var pid: pid_t = 0
        let result = withCStrings(argv) { argvPointers in
            withCStrings(env) { envPointers in
                if executable.contains("/") {
                    return posix_spawn(
                        &pid, executable, &actions, &attributes, argvPointers, envPointers)
                }
                return posix_spawnp(
                    &pid, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard result == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            close(errPipe[0])
            throw SpawnError(
                message: "posix_spawn(\(executable)): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        self.stdinFD = inPipe[1]
        self.stdoutFD = outPipe[0]
        self.stderrFD = errPipe[0]
        _ = fcntl(stdoutFD, F_SETFL, fcntl(stdoutFD, F_GETFL) | O_NONBLOCK)
        _ = fcntl(stderrFD, F_SETFL, fcntl(stderrFD, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        if stdinFD >= 0 { close(stdinFD) }
        close(stdoutFD)
        close(stderrFD)
        if finalStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    /// Writes `bytes` to the child's stdin, collecting its output meanwhile (a child that writes a lot
    /// before reading everything would otherwise deadlock with us).
    public func write(_ bytes: [UInt8]) {
        var offset = 0
        _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
        while offset < bytes.count && stdinFD >= 0 {
            let n = bytes[offset...].withUnsafeBytes {
                Glibc.write(stdinFD, $0.baseAddress, $0.count)
            }
            if n > 0 {
                offset += n
                continue
            }
            if n < 0 && errno != EAGAIN && errno != EINTR { return }
            var fds = [pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)]
            _ = Glibc.poll(&fds, 1, 5)
            drain(timeoutMilliseconds: 0)
        }
    }

    /// Closes the child's stdin.
    public func closeStdin() {
        if stdinFD >= 0 {
            close(stdinFD)
            stdinFD = -1
        }
    }

    /// Sends `signal` to the child.
    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// What the child wrote to stdout so far.
    public var stdoutSoFar: String {
        drain(timeoutMilliseconds: 0)
        return String(decoding: collectedOut, as: UTF8.self)
    }

    /// What the child wrote to stderr so far.
    public var stderrSoFar: String {
        drain(timeoutMilliseconds: 0)
        return String(decoding: collectedErr, as: UTF8.self)
    }

    /// Waits until `condition` holds on (stdout, stderr) or `seconds` pass; returns whether it held.
    @discardableResult
    public func waitForOutput(seconds: Double, _ condition: (String, String) -> Bool) -> Bool {
        let deadline = now() + seconds
        while true {
            drain(timeoutMilliseconds: 10)
            if condition(
                String(decoding: collectedOut, as: UTF8.self),
                String(decoding: collectedErr, as: UTF8.self))
            {
                return true
            }
            if now() > deadline || (!outOpen && !errOpen) {
                return condition(
                    String(decoding: collectedOut, as: UTF8.self),
                    String(decoding: collectedErr, as: UTF8.self))
            }
        }
    }

    /// The exit status if the child has ended, without waiting.
    public func poll() -> TerminationStatus? {
        if let finalStatus { return finalStatus }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            finalStatus = TerminationStatus(waitStatus: status)
        }
        return finalStatus
    }

    /// Waits for the child to end (killing it after `timeout` seconds) and returns everything it printed.
    public func finish(timeout: Double = 60) -> ProcessResult {
        closeStdin()
        let deadline = now() + timeout
        while poll() == nil || outOpen || errOpen {
            drain(timeoutMilliseconds: 10)
            if now() > deadline {
                kill(pid, SIGKILL)
            }
            if !outOpen && !errOpen && finalStatus == nil {
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                finalStatus = TerminationStatus(waitStatus: status)
            }
        }
        // swift-format-ignore: NeverForceUnwrap
        return ProcessResult(status: finalStatus!, stdout: collectedOut, stderr: collectedErr)
    }

    private func drain(timeoutMilliseconds: Int32) {
        var fds: [pollfd] = []
        if outOpen { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
        if errOpen { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
        if fds.isEmpty {
            if timeoutMilliseconds > 0 { usleep(UInt32(timeoutMilliseconds) * 1000) }
            return
        }
        _ = Glibc.poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        for entry in fds where entry.revents != 0 {
            while true {
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if entry.fd == stdoutFD {
                        collectedOut.append(contentsOf: buffer[0..<n])
                    } else {
                        collectedErr.append(contentsOf: buffer[0..<n])
                    }
                    continue
                }
                if n == 0 {
                    if entry.fd == stdoutFD { outOpen = false } else { errOpen = false }
                }
                break
            }
        }
    }
}

/// A failure to start a child process.
public struct SpawnError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Runs `executable` to completion, feeding it `stdin`.
public func run(
    _ executable: String, _ arguments: [String] = [], argv0: String? = nil,
    environment: [String: String]? = nil, stdin: [UInt8] = [], directory: String? = nil,
    timeout: Double = 60
) throws -> ProcessResult {
    let child = try ChildProcess(
        executable, arguments, argv0: argv0, environment: environment, directory: directory)
    // Feed stdin from a thread-free loop: small inputs fit in the pipe buffer; larger ones are written
    // while the child reads, which it does before it writes much.
    if !stdin.isEmpty { child.write(stdin) }
    return child.finish(timeout: timeout)
}

/// Runs `executable` with `stdin` given as UTF-8 text.
public func run(
    _ executable: String, _ arguments: [String] = [], argv0: String? = nil,
    environment: [String: String]? = nil, input: String, directory: String? = nil,
    timeout: Double = 60
) throws -> ProcessResult {
    try run(
        executable, arguments, argv0: argv0, environment: environment, stdin: Array(input.utf8),
        directory: directory, timeout: timeout)
}

/// Seconds on the monotonic clock.
public func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The test process's own environment as `NAME=value` lines.
public func currentEnvironmentLines() -> [String] {
    var result: [String] = []
    var entry = environ
    while let pointer = entry.pointee {
        result.append(String(cString: pointer))
        entry += 1
    }
    return result
}

/// The test process's own environment.
public func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    for line in currentEnvironmentLines() {
        if let equals = line.firstIndex(of: "=") {
            let name = String(line[..<equals])
            if result[name] == nil { result[name] = String(line[line.index(after: equals)...]) }
        }
    }
    return result
}

private func withCStrings<R>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress.unsafelyUnwrapped) }
}
