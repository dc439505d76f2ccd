import Platform

/// One name resolution running on its own thread, so that a hanging resolver (an unreachable DNS
/// server: glibc retries for `timeout × attempts` of resolv.conf, 10 s by default) can never hold
/// up the single-threaded wait loop past its deadline.
///
/// `getaddrinfo` blocks, and static glibc 2.36 offers no asynchronous variant (`getaddrinfo_a` is not
/// in the Glibc module). The thread writes one byte into a pipe when it is done; the loop polls the
/// pipe's read end like any socket. The object is shared by the loop and the thread (each holds a
/// reference), so an abandoned resolution finishes harmlessly; both pipe ends close when the last
/// reference goes, hence the thread's write never meets a closed pipe (no SIGPIPE).
final class Resolution: @unchecked Sendable {
    /// The name being resolved.
    let host: String
    /// The port put into every address.
    let port: UInt16
    /// Becomes readable when `result` is set.
    let readDescriptor: Int32
    private let writeDescriptor: Int32
    /// Set by the resolver thread before it writes to the pipe; read by the loop only after the pipe
    /// became readable (the `write`/`read` pair orders the memory accesses).
    private var outcome: Result<[SocketAddress], ResolutionError>?
    /// Whether the loop has taken the thread's byte (touched by the loop only).
    private var delivered = false

    /// Starts resolving `host` on a new thread.
    init(host: String, port: UInt16) throws(SystemError) {
        self.host = host
        self.port = port
        (readDescriptor, writeDescriptor) = try makePipe()
        try startDetachedThread { [self] in run() }
    }

    deinit {
        closeFile(readDescriptor)
        closeFile(writeDescriptor)
    }

    /// The result once the pipe has become readable; nil while the thread still works.
    func result() -> Result<[SocketAddress], ResolutionError>? {
        if !delivered {
            guard takeByte(readDescriptor) else { return nil }
            delivered = true
        }
        return outcome
    }

    /// On the resolver thread.
    private func run() {
        do throws(ResolutionError) {
            outcome = .success(try resolve(host, port: port))
        } catch {
            outcome = .failure(error)
        }
        putByte(writeDescriptor)
    }
}
