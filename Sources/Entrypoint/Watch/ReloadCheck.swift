import Platform

/// `--reload-check COMMAND`: the server's own checker (`nginx -t`, `apachectl -t`,
/// `haproxy -c -f ...`), run after a reload's files are in place and before the server is signalled.
///
/// It is started as a hook is (split into words like `--hook`, no shell; `PATH` searched;
/// `posix_spawn` with a clean signal state in a process group of its own), with stdin on `/dev/null`
/// and stdout and stderr captured for the log. Exit status 0 means the new files are good; any
/// other status, a signal, a program that cannot be started and the timeout (SIGTERM to its group,
/// SIGKILL after `killGrace`) all mean they are not, and the reload is rolled back.
public struct ReloadCheck: Equatable, Sendable {
    /// The command, as `--reload-check` gave it.
    public var command: Hook
    /// How long the check may run, in nanoseconds (`--reload-check-timeout`, default 30 s).
    public var timeout: UInt64
    /// How long a timed-out check has between SIGTERM and SIGKILL.
    public var killGrace: UInt64 = 2_000_000_000
    /// The most output kept for the log; the rest is read and dropped.
    public static let outputLimit = 16 * 1024

    /// A check of `command` with `timeout` nanoseconds.
    public init(command: Hook, timeout: UInt64 = 30_000_000_000) {
        self.command = command
        self.timeout = timeout
    }

    /// How a check ended.
    public enum Outcome: Equatable, Sendable, CustomStringConvertible {
        /// Exit status 0: the new files are good.
        case passed
        /// Any other exit status, or a signal.
        case failed(TerminationStatus)
        /// It ran past its timeout and was ended.
        case timedOut(seconds: Double)
        /// It could not be started: its program was not found or is not executable (the reason).
        case notStarted(String)
        /// The server is stopping (this signal arrived); the check was ended.
        case interrupted(signal: Int32)

        /// `ok`, `failed (exit status 1)`, `timed out after 30s`: as the reload line prints it.
        public var description: String {
            switch self {
            case .passed: return "ok"
            case .failed(let status): return "failed (\(status))"
            case .timedOut(let seconds): return "timed out after \(formatSeconds(seconds))"
            case .notStarted(let reason): return "failed (\(reason))"
            case .interrupted(let signal): return "ended (\(signalName(signal)) received)"
            }
        }
    }

    /// What a run produced.
    public struct Result: Equatable, Sendable {
        /// How it ended.
        public var outcome: Outcome
        /// Its stdout and stderr, interleaved as written (at most `outputLimit` bytes).
        public var output: String
        /// How long it ran, in nanoseconds.
        public var nanoseconds: UInt64
    }

    /// Runs the check with `environment` and waits for it. `interrupted` is asked at least every
    /// 20 ms (and whenever `wake` is readable) whether the server is stopping; if it returns a
    /// signal, the check's group gets SIGTERM, then SIGKILL 40 ms later.
    public func run(
        environment: Environment, wake: Int32 = -1, interrupted: () -> Int32?
    ) -> Result {
        let start = monotonicNanoseconds()
        func elapsed() -> UInt64 { monotonicNanoseconds() - start }
        let pipe: (read: Int32, write: Int32)
        do {
            pipe = try makePipe(blockingWriteEnd: true)
        } catch {
            return Result(
                outcome: .notStarted(error.description), output: "", nanoseconds: elapsed())
        }
        defer { closeFile(pipe.read) }
        let started = Swift.Result { () throws(ExecFailure) in
            try startCommand(command.arguments, environment: environment, output: pipe.write)
        }
        closeFile(pipe.write)
        let pid: Int32
        switch started {
        case .success(let child):
            pid = child
        case .failure(let failure):
            return Result(
                outcome: .notStarted(failure.description), output: "", nanoseconds: elapsed())
        }

        var output: [UInt8] = []
        var open = true
        func drain() {
            while open {
                // A read that fails ends the output as its end would: the check's status decides.
                guard let chunk = try? readAvailable(pipe.read, name: "reload check output") else {
                    return
                }
                if chunk.isEmpty {
                    open = false
                } else {
                    output += chunk.prefix(max(0, Self.outputLimit - output.count))
                }
            }
        }

        let deadline = start + timeout
        var killAt: UInt64?
        var ending: Outcome?
        while true {
            drain()
            if let (_, status) = reapWithoutBlocking(pid) {
                // What the check left in its group goes too; its output so far is kept.
                if ending != nil { try? signalProcessGroup(pid, Signal.kill) }
                drain()
                let outcome = ending ?? (status == .exited(0) ? .passed : .failed(status))
                return Result(
                    outcome: outcome, output: String(decoding: output, as: UTF8.self),
                    nanoseconds: elapsed())
            }
            let now = monotonicNanoseconds()
            if ending == nil, let signal = interrupted() {
                ending = .interrupted(signal: signal)
                try? signalProcessGroup(pid, Signal.terminate)
                killAt = now + 40_000_000
            }
            if ending == nil, now >= deadline {
                ending = .timedOut(seconds: Double(timeout) / 1e9)
                try? signalProcessGroup(pid, Signal.terminate)
                killAt = now + killGrace
            }
            if let at = killAt, now >= at {
                try? signalProcessGroup(pid, Signal.kill)
                killAt = nil
            }
            var wakeAt = min(now + 20_000_000, killAt ?? .max)
            if ending == nil { wakeAt = min(wakeAt, deadline) }
            let milliseconds = Int32(max(1, (wakeAt.subtractingClamped(now) + 999_999) / 1_000_000))
            var requests = [PollRequest(open ? pipe.read : -1), PollRequest(wake)]
            _ = try? poll(&requests, milliseconds: milliseconds)
        }
    }
}

extension UInt64 {
    /// `self - other`, or 0 when `other` is larger.
    fileprivate func subtractingClamped(_ other: UInt64) -> UInt64 {
        self > other ? self - other : 0
    }
}
