import Platform
import Templater

/// One reload of `--watch`: read the inputs again, render every template into a transaction, and
/// either put the new files in place, check them and signal the server, or leave the server on its
/// last good config.
///
/// 1. The `--env-file`s and `_FILE` secrets are read again (a changed secret is re-read; its value
///    joins the log's redactions before anything is logged). A file that cannot be read fails the
///    reload.
/// 2. Every template is rendered into temporary files (`prepareRender`, unchanged outputs left
///    alone). A diagnostic fails the reload: nothing was replaced.
/// 3. No output changed: nothing is replaced, checked or signalled.
/// 4. The changed outputs are committed (the previous files kept aside), then `--reload-check` runs
///    against the files in place. It fails: `rollback()` puts every previous file back
///    byte-identical (same inode, mode and owner) and the server is not signalled.
/// 5. It passes: the previous files are dropped and the server gets `--reload-signal`.
///
/// A secret-bearing output keeps its mode: the transaction gives a replaced file the mode and owner
/// of the file it replaces.
struct Reloader {
    /// The start-up whose render phase this repeats (configuration, process environment, log).
    var startup: Startup
    /// The server's environment, which the check runs with.
    var serverEnvironment: Environment

    /// The server's program name for the log line: the last component of argv[0], redacted as a
    /// quoted command is.
    var program: String {
        let command = startup.configuration.command.first ?? ""
        let name = command.split(separator: "/").last.map(String.init) ?? command
        return startup.log.redact(command: name)
    }

    /// Runs one reload for a batch of changes; `signal` sends the reload signal to the server and
    /// returns its PID; `interrupted` tells the check that the server is stopping. Logs the
    /// diagnostics or the check's output, then the one reload line, and returns the report.
    @discardableResult
    func reload(
        changed paths: [String], wake: Int32 = -1, interrupted: () -> Int32?,
        signal: (Int32) -> Int32
    ) -> ReloadReport {
        let log = startup.log
        let configuration = startup.configuration
        let start = monotonicNanoseconds()
        log.debug("watch: changed: \(log.redact(words: paths).joined(separator: ", "))")
        func report(
            _ changed: Int, _ check: (String, ReloadCheck.Outcome)?, _ result: ReloadReport.Result
        )
            -> ReloadReport
        {
            let report = ReloadReport(
                changedOutputs: changed, check: check, program: program, result: result,
                nanoseconds: monotonicNanoseconds() - start)
            if report.isFailure { log.error(report.line) } else { log.info(report.line) }
            return report
        }

        let prepared: PreparedRender
        do throws(EntrypointError) {
            let secrets = try startup.resolveSecrets(announce: false)
            let jobs = configuration.templates.map {
                RenderJob(source: $0.source, destination: $0.destination)
            }
            // No fsync, as at start-up: a reload's files are rendered again at the next start.
            let options = OutputOptions(
                suffix: configuration.suffix, mode: configuration.mode.map { UInt32($0) },
                durable: false, skipUnchanged: true)
            do throws(TemplaterError) {
                prepared = try prepareRender(
                    jobs, policy: configuration.policy,
                    variables: Variables(
                        bytes: secrets.environment.bytes,
                        secretNames: Set(secrets.files.map(\.name))),
                    options: options)
            } catch {
                throw .templates(error)
            }
        } catch {
            logProblems(error)
            return report(0, nil, .renderFailed)
        }

        let changed = prepared.files.filter(\.changed)
        guard !changed.isEmpty else {
            prepared.transaction.finish()
            return report(0, nil, .unchanged)
        }
        do {
            try prepared.transaction.commit()
        } catch {
            logProblems(.templates(error))
            return report(changed.count, nil, .renderFailed)
        }
        for file in changed {
            log.debug(
                "watch: rendered \(log.redact(command: file.source)) -> "
                    + log.redact(command: file.destination))
        }

        var checked: (String, ReloadCheck.Outcome)?
        if let check = configuration.reloadCheck {
            let result = check.run(
                environment: serverEnvironment, wake: wake, interrupted: interrupted)
            // The command and its output are quoted text: a secret standing in them as a value (a
            // password in a config line nginx -t prints) is redacted.
            let name = log.redact(command: check.command.name)
            checked = (name, result.outcome)
            let lines = result.output.lines().filter { !$0.isEmpty }
            for line in lines {
                if result.outcome == .passed {
                    log.debug("\(name): \(log.redact(command: line))")
                } else {
                    log.error("\(name): \(log.redact(command: line))")
                }
            }
            if result.outcome != .passed {
                do {
                    try prepared.transaction.rollback()
                } catch {
                    return report(changed.count, checked, .restoreFailed(error.description))
                }
                return report(changed.count, checked, .rejected)
            }
        }
        prepared.transaction.finish()
        let pid = signal(configuration.reloadSignal)
        return report(
            changed.count, checked, .applied(signal: configuration.reloadSignal, pid: pid))
    }

    /// Logs why the inputs could not be rendered: template diagnostics compiler-style, one line each.
    private func logProblems(_ error: EntrypointError) {
        if case .templates(.diagnostics(let diagnostics)) = error {
            for diagnostic in diagnostics {
                for line in diagnostic.description.split(separator: "\n") {
                    startup.log.error(String(line))
                }
            }
        } else {
            startup.log.error(error.description)
        }
    }
}
