#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the tests that spawn `entrypoint`: the binary, a clean environment, /proc readers.
public enum EntrypointHarness {
    /// The binary under test.
    public static var binary: String { Paths.binary("entrypoint") }

    /// A small, predictable environment (the test runner's own may hold any `X_FILE` variable).
    public static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C"]
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Runs `entrypoint arguments...` to completion.
    public static func run(
        _ arguments: [String], environment extra: [String: String] = [:], timeout: Double = 60
    ) throws -> ProcessResult {
        try TestSupport.run(binary, arguments, environment: environment(extra), timeout: timeout)
    }

    /// Starts `entrypoint arguments...` without waiting.
    public static func start(_ arguments: [String], environment extra: [String: String] = [:])
        throws
        -> ChildProcess
    {
        try ChildProcess(binary, arguments, environment: environment(extra))
    }

    /// Polls `condition` every 5 ms until it holds or `seconds` pass; returns whether it held.
    @discardableResult
    public static func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = now() + seconds
        while now() < deadline {
            if condition() { return true }
            usleep(5000)
        }
        return condition()
    }

    /// The value of `field` in `/proc/PID/status` (e.g. `SigBlk`), nil when the process is gone.
    public static func status(_ pid: pid_t, _ field: String) -> String? {
        guard let text = readText("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return trimmed(line.dropFirst(field.count + 1))
        }
        return nil
    }

    /// argv of `pid` from `/proc/PID/cmdline`.
    public static func commandLine(_ pid: pid_t) -> [String] {
        guard let bytes = readFile("/proc/\(pid)/cmdline") else { return [] }
        return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether `pid` is running: it exists and is not a zombie.
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard let state = status(pid, "State") else { return false }
        return !state.hasPrefix("Z") && !state.hasPrefix("X")
    }

    /// The PID written in the file at `path` once it holds one.
    public static func pid(inFile path: String, seconds: Double = 10) -> pid_t? {
        var found: pid_t?
        waitUntil(seconds: seconds) {
            found = readText(path).flatMap { pid_t(trimmed($0[...])) }
            return found != nil
        }
        return found
    }

    /// Milliseconds from now until `child` has ended; nil if it does not end within `seconds`.
    public static func millisecondsUntilExit(_ child: ChildProcess, seconds: Double = 5) -> Double?
    {
        let start = now()
        guard waitUntil(seconds: seconds, { child.poll() != nil }) else { return nil }
        return (now() - start) * 1000
    }

    /// `text` without leading and trailing spaces, tabs and newlines.
    static func trimmed(_ text: Substring) -> String {
        let blank: Set<Character> = [" ", "\t", "\n", "\r"]
        return String(
            text.drop { blank.contains($0) }.reversed().drop { blank.contains($0) }.reversed())
    }
}
