import Entrypoint
import Platform

extension EntrypointOptions {
    /// `--watch`, `--reload-check`, `--reload-check-timeout`, `--reload-signal`, `--watch-debounce`
    /// and their `ENTRYPOINT_*` variables. `--watch` implies `--init`: the entrypoint must stay
    /// the server's parent to signal it.
    static func parseWatchOptions(
        into configuration: inout Configuration,
        boolean: (String) throws(UsageError) -> Bool,
        single: (String) -> (value: String, origin: String)?,
        duration: (String) throws(UsageError) -> UInt64?
    ) throws(UsageError) {
        configuration.watch = try boolean("--watch")
        if configuration.watch { configuration.initMode = true }
        if let (value, origin) = single("--reload-check") {
            do throws(ShellWordsError) {
                configuration.reloadCheck = ReloadCheck(command: try Hook(command: value))
            } catch {
                throw UsageError("\(origin): '\(value)': \(error.message)")
            }
        }
        if let timeout = try duration("--reload-check-timeout") {
            guard timeout > 0 else {
                throw UsageError("--reload-check-timeout: must be more than 0")
            }
            configuration.reloadCheck?.timeout = timeout
        }
        if let (value, origin) = single("--reload-signal") {
            guard let signal = parseSignal(value) else {
                throw UsageError(
                    "\(origin): '\(value)' is not a signal (a name such as HUP, SIGUSR2, or 1-64)")
            }
            configuration.reloadSignal = signal
        }
        if let debounce = try duration("--watch-debounce") {
            configuration.watchDebounce = debounce
        }
    }

    /// `HUP`, `SIGHUP`, `hup` or `1`: a signal the entrypoint may send; nil for anything else, and
    /// for those that cannot mean "reload": SIGKILL, SIGSTOP, SIGCHLD and the synchronous faults.
    static func parseSignal(_ text: String) -> Int32? {
        guard let number = signalNumber(text), number != Signal.kill, number != Signal.stop,
            number != Signal.child, !Signal.synchronousFaults.contains(number)
        else { return nil }
        return number
    }
}
