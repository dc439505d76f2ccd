import Platform

/// One connection of an attempt, to one address of the target: a non-blocking connect, then the
/// target's conversation, if it has one. An attempt runs one leg per resolved address, all at once,
/// so a black-holed IPv6 address cannot hide a listening IPv4 one.
final class Leg {
    /// Where the leg is.
    enum State: Equatable {
        /// `connect` is in progress: waiting for `POLLOUT`.
        case connecting
        /// Connected; the conversation runs.
        case talking
        /// Over, with this verdict; the socket is closed.
        case finished(Verdict)
    }

    /// The address this leg connects to.
    let address: SocketAddress
    /// The conversation to hold once connected; nil: connected is ready.
    private var conversation: (any Conversation)?
    private(set) var state = State.connecting
    /// The socket; -1 once closed.
    private(set) var descriptor: Int32 = -1
    /// Bytes waiting for `POLLOUT`.
    private var outbound: ArraySlice<UInt8> = []
    /// How many times the conversation asked to start over (PostgreSQL's `S`); bounded.
    private var reconnects = 0

    /// Opens the socket and starts connecting; the leg may be finished right away (refused).
    init(address: SocketAddress, conversation: (any Conversation)?) {
        self.address = address
        self.conversation = conversation
        connect()
    }

    deinit { closeSocket() }

    /// The `poll` events this leg waits for (none when finished).
    var events: PollEvents {
        switch state {
        case .connecting: return .writable
        case .talking: return outbound.isEmpty ? .readable : [.readable, .writable]
        case .finished: return []
        }
    }

    /// The verdict, once finished.
    var verdict: Verdict? {
        if case .finished(let verdict) = state { return verdict }
        return nil
    }

    /// Handles what `poll` reported for the socket.
    func handle(_ revents: PollEvents) {
        switch state {
        case .connecting:
            do throws(SystemError) {
                if try connectProgress(descriptor, to: address) == .connected { connected() }
            } catch {
                finish(.notReady(error.description))
            }
        case .talking:
            if revents.contains(.writable) { flush() }
            if !revents.isDisjoint(with: [.readable, .hangUp, .error]) { receive() }
        case .finished:
            break
        }
    }

    /// Ends a leg that is still running when its attempt's time is up; `allowed` is the time the
    /// attempt had (`--connect-timeout`, or less when the wait's deadline cut it short).
    func expire(after allowed: UInt64) {
        let limit = DurationFormat.format(allowed)
        switch state {
        case .connecting:
            finish(.notReady("connect(\(address)): no answer within \(limit)"))
        case .talking:
            finish(.notReady("\(address): no reply within \(limit)"))
        case .finished:
            break
        }
    }

    /// Ends the leg without a verdict of its own (another leg decided).
    func cancel() {
        if verdict == nil { finish(.notReady("cancelled")) }
    }

    // MARK: - Steps

    private func connect() {
        let progress: ConnectProgress
        do throws(SystemError) {
            descriptor = try makeStreamSocket(for: address)
            state = .connecting
            // Unix sockets answer at once; EAGAIN there means the listener's backlog is full.
            progress = try startConnect(descriptor, to: address)
        } catch {
            finish(.notReady(error.description))
            return
        }
        if progress == .connected { connected() }
    }

    private func connected() {
        guard var conversation else {
            finish(.plainlyReady)
            return
        }
        // Best effort: without TCP_NODELAY the probe's request only leaves a little later.
        if !address.isUnixSocket { try? disableNagle(descriptor) }
        state = .talking
        outbound = ArraySlice(conversation.opening())
        self.conversation = conversation
        flush()
    }

    private func flush() {
        guard !outbound.isEmpty, descriptor >= 0 else { return }
        do throws(SystemError) {
            let n = try Platform.send(descriptor, outbound, name: "\(address)")
            outbound = outbound.dropFirst(n)
        } catch {
            finish(.notReady(error.description))
        }
    }

    private func receive() {
        while case .talking = state {
            let received: [UInt8]?
            do throws(SystemError) {
                received = try Platform.receive(descriptor, name: "\(address)")
            } catch {
                finish(.notReady(error.description))
                return
            }
            switch received {
            case nil:
                return
            case let bytes? where bytes.isEmpty:
                finish(conversation?.endOfStream() ?? .plainlyReady)
            case let bytes?:
                guard var current = conversation else { return }
                let step = current.receive(bytes)
                conversation = current
                switch step {
                case .needMore:
                    continue
                case .send(let more):
                    outbound += more
                    flush()
                case .reconnect:
                    reconnects += 1
                    closeSocket()
                    if reconnects > 2 {
                        finish(.notReady("\(address): the server keeps asking to reconnect"))
                    } else {
                        connect()
                    }
                    return
                case .done(let verdict, let farewell):
                    if !farewell.isEmpty {
                        _ = try? Platform.send(descriptor, ArraySlice(farewell), name: "\(address)")
                    }
                    finish(verdict)
                }
            }
        }
    }

    private func finish(_ verdict: Verdict) {
        closeSocket()
        state = .finished(verdict)
    }

    private func closeSocket() {
        if descriptor >= 0 {
            closeFile(descriptor)
            descriptor = -1
        }
    }
}
