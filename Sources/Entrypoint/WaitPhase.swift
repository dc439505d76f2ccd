import Platform
import WaitFor

extension Startup {
    /// Phase 3: every target awaited in parallel under `--wait-timeout` (WaitFor's loop, which also
    /// watches the signal pipe, so SIGTERM ends the wait within 100 ms). Its state changes become
    /// log lines: `waiting for db:5432 (timeout 60s)`, `db:5432 ready after 2.31s, 7 attempts`.
    func waitForTargets() throws(EntrypointError) {
        let targets = configuration.waitTargets
        guard !targets.isEmpty else { return }
        let options = WaitOptions(timeout: configuration.waitTimeout)
        let outcome = waitUntilReady(targets, options: options) { event in
            switch event.level {
            case .info: log.info(event.message)
            case .warning: log.warning(event.message)
            case .error: log.error(event.message)
            }
        }
        switch outcome {
        case .ready:
            return
        case .notReady(let failures):
            throw .waitTimedOut(failures.map(\.target.description))
        case .unavailable(let failure):
            throw .waitUnavailable(failure.target.description)
        case .interrupted(let signal):
            throw .interrupted(signal: signal)
        }
    }
}
