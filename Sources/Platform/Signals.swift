// Signals taken as data: a blocked set read from a signalfd(2), so that a supervisor's `poll(2)` waits
// on signals, its own descriptors and its timers at once (tini's `sigtimedwait` waits on signals only).

internal import CPlatform
internal import Glibc

/// Blocks `signals` in the calling thread: `pthread_sigmask(SIG_BLOCK)`.
///
/// A blocked signal stays pending until it is taken, even for PID 1, whose signals at `SIG_DFL` the
/// kernel would otherwise discard.
public func blockThreadSignals(_ signals: [Int32]) throws(SystemError) {
    var set = signalSet(signals)
    let code = pthread_sigmask(SIG_BLOCK, &set, nil)
    if code != 0 { throw SystemError(errno: code, operation: "pthread_sigmask(SIG_BLOCK)") }
}

/// A `sigset_t` holding `signals` (`sigemptyset`, `sigaddset`).
func signalSet(_ signals: [Int32]) -> sigset_t {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    return set
}

/// A signalfd(2) for a set of blocked signals: readable while one of them is pending, and read as
/// one `signalfd_siginfo` per signal taken.
///
/// The descriptor is non-blocking and close-on-exec, so no child inherits it; children spawned with
/// `POSIX_SPAWN_SETSIGMASK` start with an empty mask whatever the caller blocked.
public struct SignalDescriptor {
    /// The descriptor to put in a `poll` set (`POLLIN`).
    public let descriptor: Int32

    /// Blocks `signals` (`blockThreadSignals`), then `signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC)`.
    ///
    /// Signals already pending when it is created are read from it too.
    public init(blocking signals: [Int32]) throws(SystemError) {
        try blockThreadSignals(signals)
        var set = signalSet(signals)
        descriptor = try retryingOnInterrupt("signalfd") {
            signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        }
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

    /// `close(2)`.
    public func close() {
        closeFile(descriptor)
    }
}
