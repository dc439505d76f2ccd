import Platform

/// `--signal-map FROM:TO[,FROM:TO...]`: the signals init mode rewrites before forwarding them, as
/// dumb-init's `--rewrite` does. `TERM:QUIT` turns the orchestrator's SIGTERM into nginx's graceful
/// stop; a signal without an entry is forwarded as it came.
public struct SignalMap: Equatable, Sendable, CustomStringConvertible {
    /// FROM → TO.
    public private(set) var entries: [Int32: Int32] = [:]

    /// The empty map: every signal forwarded unchanged.
    public init() {}

    /// A map of `entries` (FROM → TO), assumed valid.
    public init(_ entries: [Int32: Int32]) {
        self.entries = entries
    }

    /// Parses `TERM:QUIT,HUP:USR1` (names with or without `SIG`, any case, or numbers); entries are
    /// separated by commas or blanks. An empty text is the empty map.
    ///
    /// Throws a message naming the entry: not `FROM:TO`, an unknown signal, a signal init mode does
    /// not forward (KILL and STOP cannot be caught; CHLD and the synchronous faults are not
    /// forwarded), or a FROM given twice.
    public init(parsing text: String) throws(SignalMapError) {
        let items = text.split(whereSeparator: {
            $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n"
        })
        for item in items {
            let entry = String(item)
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw SignalMapError("'\(entry)' is not FROM:TO (e.g. TERM:QUIT)")
            }
            let from: Int32
            let to: Int32
            do {
                from = try Self.forwardable(String(parts[0]))
                to = try Self.forwardable(String(parts[1]))
            } catch {
                throw SignalMapError("'\(entry)': \(error)")
            }
            guard entries[from] == nil else {
                throw SignalMapError("'\(entry)': \(signalName(from)) is mapped twice")
            }
            entries[from] = to
        }
    }

    /// What `signal` is forwarded as.
    @inline(__always)
    public func mapped(_ signal: Int32) -> Int32 {
        entries.isEmpty ? signal : entries[signal] ?? signal
    }

    /// `SIGTERM:SIGQUIT,SIGHUP:SIGUSR1`, sorted by FROM; `none` when empty.
    public var description: String {
        guard !entries.isEmpty else { return "none" }
        return entries.sorted { $0.key < $1.key }.map {
            "\(signalName($0.key)):\(signalName($0.value))"
        }
        .joined(separator: ",")
    }

    /// The number of the signal `text` names, if init mode can forward it (`--stop-signal` too).
    public static func forwardable(_ text: String) throws(SignalMapError) -> Int32 {
        guard let signal = signalNumber(text) else {
            throw SignalMapError("'\(text)' is not a signal name or number")
        }
        guard forwardedSignals.contains(signal) else {
            throw SignalMapError(notForwardedReason(signal))
        }
        return signal
    }
}

/// Why `--signal-map`, `ENTRYPOINT_SIGNAL_MAP` or `--stop-signal` is malformed (a usage error).
public struct SignalMapError: Error, Equatable, CustomStringConvertible {
    /// The message, naming the entry; the CLI prefixes the flag or variable.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}

/// The signals init mode forwards: every catchable one but SIGCHLD (which it handles itself) and the
/// synchronous faults (`Signal.synchronousFaults`: blocking them is undefined when they are raised by
/// the process itself, and they mean nothing to the child). tini forwards the same set. glibc's
/// internal real-time signals (`Signal.reservedByCLibrary`) cannot be blocked.
let forwardedSignals: [Int32] = Signal.numbers.filter {
    $0 != Signal.kill && $0 != Signal.stop && $0 != Signal.child
        && !Signal.synchronousFaults.contains($0) && !Signal.reservedByCLibrary.contains($0)
}

/// Why init mode does not forward `signal`.
func notForwardedReason(_ signal: Int32) -> String {
    switch signal {
    case Signal.kill, Signal.stop:
        return "\(signalName(signal)) cannot be caught, so it cannot be forwarded or sent instead"
    case Signal.child:
        return "SIGCHLD is the supervisor's own (it reaps children) and is not forwarded"
    case Signal.reservedByCLibrary:
        return "\(signalName(signal)) is reserved by the C library"
    default:
        return "\(signalName(signal)) is a synchronous fault and is not forwarded"
    }
}
