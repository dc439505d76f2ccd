import Platform
import WaitFor

/// The `wait-for` command line: wait until every target is ready, then exec the command after `--`.
///
/// Exit codes (README.md, "Exit codes"): 0 ready (no command), 64 usage, 69 a target is unavailable (MySQL 1129),
/// 124 timed out (the command is not run unless `--on-timeout run`), 126/127 the command cannot be
/// run, 143/130 SIGTERM/SIGINT during the wait. `--once` exits 0 or 1.
public enum WaitForCommand {
    /// The tool name at the start of every log line.
    static let tool = "wait-for"

    /// Runs `wait-for ARGS...` with the process environment.
    public static func main(_ arguments: [String]) -> Int32 {
        main(arguments, environment: Environment.current())
    }

    /// Runs `wait-for ARGS...` over `environment` (which the command also passes on to the command
    /// it execs, byte for byte); returns the exit code, or does not return when the command was exec'd.
    public static func main(_ arguments: [String], environment: Environment) -> Int32 {
        let configuration: WaitForConfiguration
        do throws(UsageError) {
            configuration = try WaitForConfiguration(
                arguments: arguments, environment: environment.text)
        } catch {
            StandardError(tool: tool).error(error.message)
            return ExitCode.usage
        }
        if configuration.help {
            writeStandardOutput(usage)
            return ExitCode.success
        }
        let options = configuration.options
        do throws(SystemError) {
            try SignalPipe.install([Signal.terminate, Signal.interrupt])
        } catch {
            report(.error, "cannot handle signals: \(error)", options: options)
        }
        let log: (WaitEvent) -> Void = { event in
            if let line = options.logLine(for: event, tool: tool) { StandardError.writeLine(line) }
        }

        if configuration.once {
            return probeOnce(configuration.targets, options: options, log: log).probeExitCode
        }

        let outcome = waitUntilReady(configuration.targets, options: options, log: log)
        switch outcome {
        case .ready:
            break
        case .notReady where configuration.runOnTimeout && !configuration.command.isEmpty:
            report(
                .warning, "running \(configuration.command[0]) anyway (--on-timeout run)",
                options: options)
        case .notReady, .unavailable, .interrupted:
            return outcome.exitCode
        }
        guard !configuration.command.isEmpty else { return ExitCode.success }
        switch execAsProcessOne(configuration.command, environment: environment) {
        case .interrupted(let signal):
            report(
                .warning,
                "interrupted by \(signal == Signal.interrupt ? "SIGINT" : "SIGTERM"): "
                    + "\(configuration.command[0]) not started",
                options: options)
            return ExitCode.signaled(signal)
        case .failed(let failure):
            report(.error, failure.description, options: options)
            return failure.status
        }
    }

    /// Writes one line of the command's own (not the wait's) in the configured format.
    private static func report(_ level: WaitEvent.Level, _ message: String, options: WaitOptions) {
        if options.quiet && level == .info { return }
        switch options.logFormat {
        case .text:
            StandardError(tool: tool).log(level.rawValue, message)
        case .json:
            StandardError.writeLine(
                "{\"time\":\(jsonString(utcTimestamp())),\"tool\":\"\(tool)\","
                    + "\"level\":\"\(level.rawValue)\",\"message\":\(jsonString(message))}")
        }
    }

    /// `wait-for --help`.
    static let usage = """
        Usage: wait-for [OPTIONS] TARGET... [-- COMMAND [ARGS...]]
               wait-for --once TARGET...

        Waits until every TARGET is ready (all in parallel), then execs COMMAND in its place.

        Targets:
          host:port, tcp://host:port, [v6addr]:port   a TCP connection is accepted
          http://host[:port][/path][?status=200-399]  GET answers with a status in range
          unix:///path                                a Unix socket accepts a connection
          file:///path                                the file exists
          postgres://[user@]host[:port][/db]          PostgreSQL accepts connections (not 57P03)
          mysql://host[:port]                         MySQL/MariaDB greets (1040 waits, 1129 exits 69)
          redis://[[user]:pw@]host[:port][?password_file=PATH]
                                                      PING answers PONG or NOAUTH (LOADING waits,
                                                      a refused password exits 69)
          amqp://host[:port]                          the broker answers with Connection.Start
          Any target takes ?timeout=D, its own timeout, and ?stable=N: ready only after
          N ready answers in a row.

        Options:
          -t, --timeout D          give up after D (default 60s; 0 waits forever); exit 124
          -i, --interval D         probe every D (default: 50ms for 10s, then slower up to 1s)
              --connect-timeout D  time for one attempt (default 1s)
              --on-timeout fail|run  run COMMAND even after a timeout (default fail)
              --once               probe once, exit 0 (ready) or 1: for health checks
          -q, --quiet              log warnings and errors only
              --log-format text|json
          -h, --help               show this help

        Durations: 30 (seconds), 30s, 500ms, 2m, 1m30s.
        Environment: WAIT_FOR_TARGETS, WAIT_FOR_TIMEOUT, WAIT_FOR_INTERVAL, WAIT_FOR_CONNECT_TIMEOUT,
          WAIT_FOR_QUIET, WAIT_FOR_LOG_FORMAT, WAIT_FOR_ON_TIMEOUT (flags win).
        Exit: 0 ready, 64 usage, 69 unavailable, 124 timeout, 126/127 COMMAND not runnable,
          130/143 interrupted by SIGINT/SIGTERM.

        """
}
