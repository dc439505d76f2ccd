// Signals: their numbers and names for callers, the thread's mask, dispositions, the pending set, and
// a blocked set taken as data — from a signalfd(2), so that a supervisor's `poll(2)` waits on signals,
// its own descriptors and its timers at once, or with `sigtimedwait(2)` when it has nothing else to
// wait on (tini's way).

internal import CPlatform
internal import Glibc

/// The signal numbers callers name, so that they need no libc constant: `Signal.terminate` is
/// `SIGTERM`. Signals stay plain `Int32`s everywhere (as `kill(2)` and `signalfd_siginfo` have them).
public enum Signal {
    /// `SIGHUP`: the terminal hung up; by convention "re-read your configuration" (nginx, HAProxy).
    public static let hangup = SIGHUP
    /// `SIGINT`: Ctrl-C.
    public static let interrupt = SIGINT
    /// `SIGQUIT`: nginx's graceful stop.
    public static let quit = SIGQUIT
    /// `SIGKILL`: cannot be caught, blocked or ignored.
    public static let kill = SIGKILL
    /// `SIGTERM`: what orchestrators stop a container with.
    public static let terminate = SIGTERM
    /// `SIGCHLD`: a child ended (or stopped).
    public static let child = SIGCHLD
    /// `SIGSTOP`: cannot be caught, blocked or ignored.
    public static let stop = SIGSTOP

    /// Every signal number Linux has: 1 to 64 (`NSIG - 1`; `SIGRTMAX` is a function macro the Glibc
    /// module does not export).
    public static let numbers: ClosedRange<Int32> = 1...64

    /// glibc's internal real-time signals (threads cancellation, `setxid`): it refuses to block them
    /// or to change their disposition (EINVAL).
    public static let reservedByCLibrary: ClosedRange<Int32> = 32...33

    /// The synchronous faults: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS. Raised by the faulting
    /// thread itself, so blocking them is undefined behaviour, and forwarding them means nothing.
    public static let synchronousFaults: [Int32] = [
        SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS,
    ]
}

/// The conventional name of `signal` (`SIGTERM`), or `signal N` for the rest (SIGSTKFLT and the
/// real-time signals among them).
public func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGHUP: return "SIGHUP"
    case SIGINT: return "SIGINT"
    case SIGQUIT: return "SIGQUIT"
    case SIGILL: return "SIGILL"
    case SIGTRAP: return "SIGTRAP"
    case SIGABRT: return "SIGABRT"
    case SIGBUS: return "SIGBUS"
    case SIGFPE: return "SIGFPE"
    case SIGKILL: return "SIGKILL"
    case SIGUSR1: return "SIGUSR1"
    case SIGSEGV: return "SIGSEGV"
    case SIGUSR2: return "SIGUSR2"
    case SIGPIPE: return "SIGPIPE"
    case SIGALRM: return "SIGALRM"
    case SIGTERM: return "SIGTERM"
    case SIGCHLD: return "SIGCHLD"
    case SIGCONT: return "SIGCONT"
    case SIGSTOP: return "SIGSTOP"
    case SIGTSTP: return "SIGTSTP"
    case SIGTTIN: return "SIGTTIN"
    case SIGTTOU: return "SIGTTOU"
    case SIGURG: return "SIGURG"
    case SIGXCPU: return "SIGXCPU"
    case SIGXFSZ: return "SIGXFSZ"
    case SIGVTALRM: return "SIGVTALRM"
    case SIGPROF: return "SIGPROF"
    case SIGWINCH: return "SIGWINCH"
    case SIGIO: return "SIGIO"
    case SIGPWR: return "SIGPWR"
    case SIGSYS: return "SIGSYS"
    default: return "signal \(signal)"
    }
}

/// The signal `text` names: `TERM`, `SIGTERM`, `sigterm` (a name `signalName` gives), or a number
/// 1-64; nil for anything else.
public func signalNumber(_ text: String) -> Int32? {
    if let number = Int32(text), Signal.numbers.contains(number) { return number }
    var name = text.uppercased()
    if !name.hasPrefix("SIG") { name = "SIG" + name }
    for number in Int32(1)...31 where signalName(number) == name {
        return number
    }
    return nil
}

// MARK: - Mask and dispositions

/// Blocks `signals` in the calling thread: `pthread_sigmask(SIG_BLOCK)`.
///
/// A blocked signal stays pending until it is taken, even for PID 1, whose signals at `SIG_DFL` the
/// kernel would otherwise discard. The mask is per thread: the only other threads are WaitFor's
/// resolver threads, which start with every signal blocked, so a signal blocked here stays pending
/// for the main thread instead of being delivered to one of them.
public func blockThreadSignals(_ signals: [Int32]) throws(SystemError) {
    var set = signalSet(signals)
    let code = pthread_sigmask(SIG_BLOCK, &set, nil)
    if code != 0 { throw SystemError(errno: code, operation: "pthread_sigmask(SIG_BLOCK)") }
}

/// Runs `body` with `signals` blocked in the calling thread, then puts the mask back as it was
/// (`pthread_sigmask`, which fails only for an invalid argument).
func withThreadSignalsBlocked<R>(_ signals: [Int32], _ body: () -> R) -> R {
    var set = signalSet(signals)
    var old = sigset_t()
    _ = pthread_sigmask(SIG_BLOCK, &set, &old)
    defer { _ = pthread_sigmask(SIG_SETMASK, &old, nil) }
    return body()
}

/// Sets `signals` back to their default disposition: `sigaction(signal, SIG_DFL)` for each.
public func resetSignalsToDefault(_ signals: [Int32]) throws(SystemError) {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = SIG_DFL
    sigemptyset(&action.sa_mask)
    for signal in signals {
        _ = try retryingOnInterrupt("sigaction(\(signal), SIG_DFL)") {
            sigaction(signal, &action, nil)
        }
    }
}

/// The first of `signals` that is pending (blocked and not yet taken), without taking it
/// (`sigpending(2)`); nil when none of them is. How a running reload check learns that the server is
/// stopping while the supervisor's loop still has the signal to act on.
public func firstPendingSignal(_ signals: [Int32]) throws(SystemError) -> Int32? {
    var set = sigset_t()
    sigemptyset(&set)
    _ = try retryingOnInterrupt("sigpending") { sigpending(&set) }
    return signals.first { sigismember(&set, $0) == 1 }
}

/// A `sigset_t` holding `signals` (`sigemptyset`, `sigaddset`).
func signalSet(_ signals: [Int32]) -> sigset_t {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    return set
}

// MARK: - Signals as data

/// A signalfd(2) for a set of blocked signals: readable while one of them is pending, and read as
/// one `signalfd_siginfo` per signal taken.
///
/// The descriptor is non-blocking and close-on-exec, so no child inherits it; children spawned with
/// `POSIX_SPAWN_SETSIGMASK` start with an empty mask whatever the caller blocked.
public struct SignalDescriptor {
    /// The descriptor to put in a `poll` set (`.readable`).
    public let descriptor: Int32
    /// The blocked set, for `take(waitingUpTo:)`.
    private var set: sigset_t

    /// Blocks `signals` (`blockThreadSignals`), then `signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC)`.
    ///
    /// Signals already pending when it is created are read from it too.
    public init(blocking signals: [Int32]) throws(SystemError) {
        try blockThreadSignals(signals)
        var set = signalSet(signals)
        descriptor = try retryingOnInterrupt("signalfd") {
            signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        }
        self.set = set
    }

    /// The next pending signal, taken with `read(2)`; nil when none is pending (EAGAIN).
    public func take() throws(SystemError) -> Int32? {
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        while true {
            let n = read(descriptor, &info, size)
            if n == size { return Int32(bitPattern: info.ssi_signo) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { return nil }
            throw SystemError(errno: n < 0 ? errno : EIO, operation: "read(signalfd)")
        }
    }

    /// Waits up to `nanoseconds` (nil: without limit) for one of the signals and takes it, without
    /// the descriptor: `sigtimedwait(2)` (`sigwaitinfo(2)` without limit) on the same pending set.
    /// Returns nil when the time ran out or a handled signal interrupted the wait (EAGAIN, EINTR).
    ///
    /// For a waiter with nothing else to wait on: one system call per signal, where `poll` and the
    /// `read` of `take()` are two. Nothing is allocated.
    public mutating func take(waitingUpTo nanoseconds: UInt64?) throws(SystemError) -> Int32? {
        var info = siginfo_t()
        let taken: Int32
        if let nanoseconds {
            var timeout = timespec(
                tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
            taken = sigtimedwait(&set, &info, &timeout)
        } else {
            taken = sigwaitinfo(&set, &info)
        }
        if taken > 0 { return taken }
        let code = errno
        if code == EAGAIN || code == EINTR { return nil }
        throw SystemError(errno: code, operation: "sigtimedwait")
    }

    /// `close(2)`.
    public func close() {
        closeFile(descriptor)
    }
}
