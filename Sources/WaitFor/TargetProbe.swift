import Platform

/// The state of one target during a wait: its schedule, its running attempt, its last error.
///
/// An attempt resolves the name (again, every time: containers start before their DNS names exist),
/// connects to every address at once, holds the target's conversation on each connection, and ends
/// on the first ready leg, when every leg has finished, or at its deadline (`connectTimeout`).
final class TargetProbe {
    /// Where the target stands.
    enum Status: Equatable {
        case waiting
        case ready
        case unavailable
    }

    let target: Target
    /// When the wait for this target gives up (monotonic nanoseconds); nil: never.
    let deadline: UInt64?
    private let connectTimeout: UInt64
    private(set) var status = Status.waiting
    /// Attempts started.
    private(set) var attempts = 0
    /// The last attempt's error.
    var lastError: String?
    /// The error last logged, so that one line is logged per change, not per attempt.
    var lastLoggedError: String?
    /// Ready answers in a row so far (`?stable=N` needs N).
    var consecutiveReady = 0
    /// Set when an attempt of a `--once` round was not ready: the round is over for this target.
    var failedOnce = false
    /// The `AUTH` credentials of a `redis://` target for the running attempt (a password file is
    /// read again at every attempt).
    private var redisCredentials: (user: String?, password: String)?

    /// When the next attempt may start.
    var nextStart: UInt64
    /// The interval used to schedule the current attempt's successor.
    var interval: UInt64?
    /// When the running attempt started; nil when none runs.
    private(set) var attemptStart: UInt64?
    /// When the latest attempt started (kept after it ends, for scheduling).
    private(set) var lastAttemptStart: UInt64 = 0
    private var attemptDeadline: UInt64 = 0
    /// A resolution in flight; it may outlive the attempt that started it and serve the next one.
    private var resolution: Resolution?
    /// Addresses that a resolution delivered after its attempt had ended.
    private var lateAddresses: [SocketAddress]?
    private var legs: [Leg] = []
    /// A verdict reached without legs (files, resolution errors).
    private var immediateVerdict: Verdict?

    init(target: Target, deadline: UInt64?, connectTimeout: UInt64, start: UInt64) {
        self.target = target
        self.deadline = deadline
        self.connectTimeout = connectTimeout
        self.nextStart = start
    }

    /// Whether an attempt is running.
    var isAttempting: Bool { attemptStart != nil }

    /// The earliest time this probe needs the loop to wake without any descriptor activity.
    var wakeTime: UInt64? {
        guard status == .waiting else { return nil }
        let next = isAttempting ? attemptDeadline : nextStart
        guard let deadline else { return next }
        return min(next, deadline)
    }

    /// Marks the target's final status.
    func settle(_ status: Status) { self.status = status }

    // MARK: - Attempts

    /// Starts an attempt at `now`.
    func startAttempt(now: UInt64) {
        attempts += 1
        attemptStart = now
        lastAttemptStart = now
        attemptDeadline = now + connectTimeout
        immediateVerdict = nil
        legs = []
        switch target.check {
        case .file(let path):
            do {
                _ = try fileStatus(path)
                immediateVerdict = .plainlyReady
            } catch {
                immediateVerdict = .notReady(error.description)
            }
        case .unixSocket(let path):
            legs = [Leg(address: unixSocketAddress(path), conversation: nil)]
        case .tcp(let host, let port), .http(let host, let port, _, _),
            .postgres(let host, let port, _, _), .mysql(let host, let port),
            .redis(let host, let port, _), .amqp(let host, let port):
            if case .redis(_, _, let auth?) = target.check {
                switch Self.credentials(auth) {
                case .success(let credentials): redisCredentials = credentials
                case .failure(let error):
                    immediateVerdict = .notReady(error.description)
                    return
                }
            }
            if let addresses = lateAddresses {
                lateAddresses = nil
                startLegs(addresses)
                return
            }
            guard resolution == nil else { return }  // still resolving for an earlier attempt
            let numeric: [SocketAddress]?
            do throws(ResolutionError) {
                numeric = try numericAddresses(host, port: port)
            } catch {
                immediateVerdict = .notReady(error.description)
                return
            }
            if let numeric {
                startLegs(numeric)
                return
            }
            do throws(SystemError) {
                resolution = try Resolution(host: host, port: port)
            } catch {
                immediateVerdict = .notReady(error.description)
            }
        }
    }

    private func startLegs(_ addresses: [SocketAddress]) {
        guard !addresses.isEmpty else {
            immediateVerdict = .notReady("resolve(\(target.endpoint?.host ?? "")): no address")
            return
        }
        legs = addresses.map {
            Leg(address: $0, conversation: makeConversation(peer: $0.description))
        }
    }

    private func makeConversation(peer: String) -> (any Conversation)? {
        switch target.check {
        case .tcp, .unixSocket, .file:
            return nil
        case .http(let host, let port, let path, let statuses):
            let hostHeader = Target.authority(host, port == 80 ? nil : port)
            return HTTPConversation(
                peer: peer, hostHeader: hostHeader, path: path, statuses: statuses)
        case .postgres(_, _, let user, let database):
            return PostgresConversation(peer: peer, user: user, database: database)
        case .mysql:
            return MySQLConversation(peer: peer)
        case .redis:
            return RedisConversation(peer: peer, credentials: redisCredentials)
        case .amqp:
            return AMQPConversation(peer: peer)
        }
    }

    /// The user and password of `auth`; a password file is read as a `_FILE` secret is (trailing
    /// newlines stripped), but only a small regular file, so the wait loop's thread never blocks.
    private static func credentials(_ auth: RedisAuth) -> Result<
        (user: String?, password: String), SystemError
    > {
        switch auth.password {
        case .inline(let password):
            return .success((auth.user, password))
        case .file(let path):
            do throws(SystemError) {
                var bytes = try readSmallRegularFile(path)
                while bytes.last == 0x0A { bytes.removeLast() }
                return .success((auth.user, String(decoding: bytes, as: UTF8.self)))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The descriptors to poll, with their events.
    func pollRequests() -> [PollRequest] {
        var requests: [PollRequest] = []
        if let resolution { requests.append(PollRequest(resolution.readDescriptor, .readable)) }
        for leg in legs where !leg.events.isEmpty {
            requests.append(PollRequest(leg.descriptor, leg.events))
        }
        return requests
    }

    /// Hands `revents` for `descriptor` to the resolution or the leg that owns it.
    func handle(descriptor: Int32, revents: PollEvents) {
        if let resolution, resolution.readDescriptor == descriptor {
            guard let result = resolution.result() else { return }
            self.resolution = nil
            switch result {
            case .success(let addresses):
                if isAttempting && legs.isEmpty && immediateVerdict == nil {
                    startLegs(addresses)
                } else {
                    lateAddresses = addresses
                }
            case .failure(let error):
                if isAttempting && legs.isEmpty && immediateVerdict == nil {
                    immediateVerdict = .notReady(error.description)
                }
            }
            return
        }
        for leg in legs where leg.descriptor == descriptor {
            leg.handle(revents)
        }
    }

    /// The running attempt's verdict once it has one (or its time is up at `now`); nil while it runs.
    /// Ends the attempt when it returns a verdict.
    func finishedAttempt(now: UInt64) -> Verdict? {
        guard isAttempting else { return nil }
        if let verdict = decide(expired: now >= attemptDeadline, allowed: connectTimeout) {
            for leg in legs { leg.cancel() }
            legs = []
            attemptStart = nil
            return verdict
        }
        return nil
    }

    /// Ends a running attempt at `now` (the wait is over) and returns its verdict.
    ///
    /// An attempt cut short by the wait's deadline had less than `connectTimeout`: its message says
    /// the time it actually had (`-t 1s --connect-timeout 5s`: "no answer within 1s"), to the
    /// millisecond.
    func abandonAttempt(now: UInt64) -> Verdict? {
        guard let started = attemptStart else { return nil }
        let end = min(now, deadline ?? now)
        let ran = end > started ? end - started : 0
        let millisecond: UInt64 = 1_000_000
        let allowed = min(connectTimeout, (ran + millisecond / 2) / millisecond * millisecond)
        let verdict = decide(expired: true, allowed: allowed)
        for leg in legs { leg.cancel() }
        legs = []
        attemptStart = nil
        return verdict
    }

    /// The attempt's verdict; `allowed` is the time it had, for the messages of an expired one.
    private func decide(expired: Bool, allowed: UInt64) -> Verdict? {
        if let immediateVerdict { return immediateVerdict }
        if legs.isEmpty {
            // Still resolving.
            guard expired else { return nil }
            let host = target.endpoint?.host ?? ""
            return .notReady(
                "resolve(\(host)): no answer within \(DurationFormat.format(allowed))")
        }
        for leg in legs {
            if case .ready = leg.verdict { return leg.verdict }
        }
        if expired {
            for leg in legs { leg.expire(after: allowed) }
        } else if legs.contains(where: { $0.verdict == nil }) {
            return nil
        }
        var errors: [String] = []
        for leg in legs {
            switch leg.verdict {
            case .unavailable(let reason)?: return .unavailable(reason)
            case .notReady(let reason)?: if !errors.contains(reason) { errors.append(reason) }
            default: break
            }
        }
        return .notReady(errors.joined(separator: "; "))
    }

    /// Closes everything the probe holds (a resolution thread finishes on its own).
    func close() {
        for leg in legs { leg.cancel() }
        legs = []
        resolution = nil
    }
}
