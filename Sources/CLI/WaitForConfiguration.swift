import Platform
import WaitFor

/// The `wait-for` command line and its environment variables, parsed and checked.
///
/// Every option also comes from the environment; a flag wins over its variable, and targets given as
/// operands replace `WAIT_FOR_TARGETS`. An empty variable counts as unset. A malformed value is a
/// usage error (exit 64) that names the flag or the variable — never a silent default.
public struct WaitForConfiguration: Equatable {
    /// The environment variables `wait-for` reads, with what each holds.
    public static let variables: [(name: String, meaning: String)] = [
        ("WAIT_FOR_TARGETS", "targets, separated by commas or whitespace (when none is given)"),
        ("WAIT_FOR_TIMEOUT", "as --timeout"),
        ("WAIT_FOR_INTERVAL", "as --interval"),
        ("WAIT_FOR_CONNECT_TIMEOUT", "as --connect-timeout"),
        ("WAIT_FOR_QUIET", "1/true/yes/on or 0/false/no/off: as --quiet"),
        ("WAIT_FOR_LOG_FORMAT", "as --log-format"),
        ("WAIT_FOR_ON_TIMEOUT", "as --on-timeout"),
    ]

    /// What to wait for.
    public var targets: [Target] = []
    /// Timeouts, schedule and log format.
    public var options = WaitOptions()
    /// `--once`: one probe round, exit 0 or 1.
    public var once = false
    /// `--on-timeout run`: exec the command even when the wait timed out.
    public var runOnTimeout = false
    /// The command after `--`, exec'd when every target is ready.
    public var command: [String] = []
    /// `--help`.
    public var help = false

    /// Parses `arguments` (without the program name) over `environment`.
    public init(arguments: [String], environment: [String: String]) throws(UsageError) {
        var reader = ArgumentReader(arguments)
        var operands: [Target] = []
        var sawCommand = false
        while let argument = reader.next() {
            switch argument {
            case .terminator:
                command = reader.remaining
                sawCommand = true
                while reader.next() != nil {}
            case .operand(let text):
                do throws(InvalidTarget) {
                    operands.append(try Target(parsing: text))
                } catch {
                    throw UsageError(error.description)
                }
            case .flag(let name, let inline):
                try readFlag(name, inline: inline, reader: &reader)
            }
        }
        if help { return }
        try readEnvironment(environment, targetsGiven: !operands.isEmpty)
        if !operands.isEmpty { targets = operands }
        guard !targets.isEmpty else {
            throw UsageError("no targets: give TARGET... or set WAIT_FOR_TARGETS (see --help)")
        }
        if once && sawCommand {
            throw UsageError("--once takes no command: it only probes (exit 0 or 1)")
        }
    }

    /// The names of the flags given, so that their variables are not read.
    private var flagsGiven: Set<String> = []

    private mutating func readFlag(
        _ name: String, inline: String?, reader: inout ArgumentReader
    ) throws(UsageError) {
        func noValue() throws(UsageError) {
            if inline != nil { throw UsageError("\(name) takes no value") }
        }
        flagsGiven.insert(Self.longNames[name] ?? name)
        switch name {
        case "--timeout", "-t":
            let value = try reader.value(of: name, inline: inline)
            options.timeout = try Self.timeout(value, source: name)
        case "--interval", "-i":
            let value = try reader.value(of: name, inline: inline)
            options.interval = try Self.interval(value, source: name)
        case "--connect-timeout":
            let value = try reader.value(of: name, inline: inline)
            options.connectTimeout = try Self.connectTimeout(value, source: name)
        case "--log-format":
            let value = try reader.value(of: name, inline: inline)
            options.logFormat = try Self.logFormat(value, source: name)
        case "--on-timeout":
            let value = try reader.value(of: name, inline: inline)
            runOnTimeout = try Self.onTimeout(value, source: name)
        case "--quiet", "-q":
            try noValue()
            options.quiet = true
        case "--once":
            try noValue()
            once = true
        case "--help", "-h":
            try noValue()
            help = true
        default:
            throw UsageError("unknown option '\(name)' (see --help)")
        }
    }

    /// Short flags and their long names.
    private static let longNames = [
        "-t": "--timeout", "-i": "--interval", "-q": "--quiet", "-h": "--help",
    ]

    /// Reads the variables of the options no flag set (flags win, and a variable a flag overrides is
    /// not even checked); `WAIT_FOR_TARGETS` is read only when no target operand was given.
    private mutating func readEnvironment(
        _ environment: [String: String], targetsGiven: Bool
    ) throws(UsageError) {
        func value(_ name: String, flag: String) -> String? {
            guard !flagsGiven.contains(flag), let value = environment[name], !value.isEmpty else {
                return nil
            }
            return value
        }
        if !targetsGiven, let text = value("WAIT_FOR_TARGETS", flag: "") {
            do throws(InvalidTarget) {
                targets = try Target.list(parsing: text)
            } catch {
                throw UsageError("WAIT_FOR_TARGETS: \(error)")
            }
        }
        if let text = value("WAIT_FOR_TIMEOUT", flag: "--timeout") {
            options.timeout = try Self.timeout(text, source: "WAIT_FOR_TIMEOUT")
        }
        if let text = value("WAIT_FOR_INTERVAL", flag: "--interval") {
            options.interval = try Self.interval(text, source: "WAIT_FOR_INTERVAL")
        }
        if let text = value("WAIT_FOR_CONNECT_TIMEOUT", flag: "--connect-timeout") {
            options.connectTimeout = try Self.connectTimeout(
                text, source: "WAIT_FOR_CONNECT_TIMEOUT")
        }
        if let text = value("WAIT_FOR_QUIET", flag: "--quiet") {
            options.quiet = try Self.boolean(text, source: "WAIT_FOR_QUIET")
        }
        if let text = value("WAIT_FOR_LOG_FORMAT", flag: "--log-format") {
            options.logFormat = try Self.logFormat(text, source: "WAIT_FOR_LOG_FORMAT")
        }
        if let text = value("WAIT_FOR_ON_TIMEOUT", flag: "--on-timeout") {
            runOnTimeout = try Self.onTimeout(text, source: "WAIT_FOR_ON_TIMEOUT")
        }
    }

    // MARK: - Values

    private static func duration(_ text: String, source: String) throws(UsageError) -> UInt64 {
        do throws(InvalidDuration) {
            return try DurationFormat.parse(text)
        } catch {
            throw UsageError("\(source): \(error)")
        }
    }

    /// A timeout; 0 means none (wait forever).
    private static func timeout(_ text: String, source: String) throws(UsageError) -> UInt64? {
        let value = try duration(text, source: source)
        return value == 0 ? nil : value
    }

    private static func interval(_ text: String, source: String) throws(UsageError) -> UInt64 {
        let value = try duration(text, source: source)
        guard value >= WaitOptions.minimumInterval else {
            throw UsageError(
                "\(source): \(text) is shorter than \(DurationFormat.format(WaitOptions.minimumInterval)) "
                    + "(at most 20 probes a second)")
        }
        return value
    }

    private static func connectTimeout(_ text: String, source: String) throws(UsageError) -> UInt64
    {
        let value = try duration(text, source: source)
        guard value >= 1_000_000 else {
            throw UsageError("\(source): \(text) is too short (at least 1ms)")
        }
        return value
    }

    private static func logFormat(_ text: String, source: String) throws(UsageError)
        -> WaitLogFormat
    {
        guard let format = WaitLogFormat(rawValue: text) else {
            throw UsageError("\(source): '\(text)' is not a log format (text, json)")
        }
        return format
    }

    private static func onTimeout(_ text: String, source: String) throws(UsageError) -> Bool {
        switch text {
        case "fail": return false
        case "run": return true
        default: throw UsageError("\(source): '\(text)' is not fail or run")
        }
    }

    private static func boolean(_ text: String, source: String) throws(UsageError) -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            throw UsageError(
                "\(source): '\(text)' is not a boolean (1, true, yes, on or 0, false, no, off)")
        }
    }
}
