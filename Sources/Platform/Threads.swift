// Threads: the one kind a tool starts, a detached helper for a call that may block for long (the
// probes' getaddrinfo), with every signal blocked. No Dispatch and no Swift concurrency: their
// worker threads are not ours to mask, and the main thread must stay the one that takes signals.

internal import Glibc

/// The closure a thread runs, boxed so that its context travels through `pthread_create`'s
/// `void *` argument.
private final class ThreadBody {
    let run: @Sendable () -> Void

    init(_ run: @escaping @Sendable () -> Void) {
        self.run = run
    }
}

/// `pthread_create(3)`: starts a detached thread running `body`, with a 256 KiB stack and every
/// signal blocked, so that signals are handled on the main thread (whose `poll` they must
/// interrupt) and never interrupt the thread's blocking call.
///
/// The thread holds `body` (and what it captured) until it returns; nothing joins it.
///
/// - Throws: `SystemError` of `pthread_create` (EAGAIN: out of threads or memory).
public func startDetachedThread(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
    var all = sigset_t()
    sigfillset(&all)
    var saved = sigset_t()
    pthread_sigmask(SIG_SETMASK, &all, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    // getaddrinfo needs little stack; 256 KiB keeps many stuck resolutions cheap.
    pthread_attr_setstacksize(&attributes, 256 * 1024)
    let argument = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let code = pthread_create(
        &thread, &attributes,
        { argument in
            guard let argument else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(argument).takeRetainedValue().run()
            return nil
        }, argument)
    if code != 0 {
        Unmanaged<ThreadBody>.fromOpaque(argument).release()
        throw SystemError(errno: code, operation: "pthread_create")
    }
}
