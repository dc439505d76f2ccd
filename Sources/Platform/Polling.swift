// poll(2), the one way every tool waits on several descriptors at once: a probe's sockets, a signal
// pipe or signalfd, an inotify descriptor, a child's output.

internal import Glibc

/// What a descriptor is waited for, or what `poll(2)` found on it.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16

    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// Data can be read (or end of file, or a listening socket has a connection): `POLLIN`.
    public static let readable = PollEvents(rawValue: Int16(POLLIN))
    /// Data can be written (a non-blocking `connect` has finished): `POLLOUT`.
    public static let writable = PollEvents(rawValue: Int16(POLLOUT))
    /// An error is pending on the descriptor (found only, never asked for): `POLLERR`.
    public static let error = PollEvents(rawValue: Int16(POLLERR))
    /// The peer hung up (found only): `POLLHUP`.
    public static let hangUp = PollEvents(rawValue: Int16(POLLHUP))
    /// The descriptor is not open (found only): `POLLNVAL`.
    public static let invalid = PollEvents(rawValue: Int16(POLLNVAL))
}

/// One descriptor of a `poll` call: what is asked (`events`) and what was found (`returned`).
///
/// A negative `descriptor` is ignored by the kernel, and its `returned` stays empty.
public struct PollRequest: Sendable {
    public var descriptor: Int32
    public var events: PollEvents
    public var returned: PollEvents = []

    public init(_ descriptor: Int32, _ events: PollEvents = .readable) {
        self.descriptor = descriptor
        self.events = events
    }
}

/// `poll(2)` on `requests` for up to `milliseconds` (-1: no limit), filling each `returned`; the
/// number of descriptors found ready, 0 when the time ran out or a signal interrupted the wait
/// (`EINTR`: the caller recomputes its deadline and looks at its signal pipe).
@discardableResult
public func poll(_ requests: inout [PollRequest], milliseconds: Int32) throws(SystemError) -> Int {
    var descriptors = requests.map {
        pollfd(fd: $0.descriptor, events: $0.events.rawValue, revents: 0)
    }
    let ready = Glibc.poll(&descriptors, nfds_t(descriptors.count), milliseconds)
    if ready < 0 {
        let code = errno
        if code == EINTR { return 0 }
        throw SystemError(errno: code, operation: "poll")
    }
    for index in requests.indices {
        requests[index].returned = PollEvents(rawValue: descriptors[index].revents)
    }
    return Int(ready)
}
