import Entrypoint
import Platform
import Templater

/// The `entrypoint` command line: prepares the container (secrets, templates, wait, hooks, user), then
/// execs the command in place (or supervises it with `--init`). `entrypoint healthcheck TARGET...`
/// probes once, for a HEALTHCHECK.
public enum EntrypointCommand {
    /// Runs `entrypoint ARGS...`; returns the exit code when the command was not exec'd.
    public static func main(_ arguments: [String]) -> Int32 {
        let standardError = StandardError(tool: "entrypoint")
        if arguments.first == "healthcheck" {
            return healthcheck(Array(arguments.dropFirst()))
        }
        let environment = Environment.current()
        let options: EntrypointOptions
        do {
            options = try EntrypointOptions.parse(arguments, environment: environment.text)
        } catch {
            standardError.error(error.message)
            return ExitCode.usage
        }
        if options.help {
            writeStandardOutput(usage)
            return ExitCode.success
        }
        let log = Log(level: options.logLevel) { level, message in
            standardError.log(level.name, message)
        }
        for note in options.notes { log.info(note) }
        let startup = Startup(
            configuration: options.configuration, environment: environment, log: log)
        do {
            return try carryOut(startup.run(), log: log)
        } catch {
            report(error, log: log)
            return error.exitCode
        }
    }

    /// Does what start-up decided: execs the command in place (returning only when it could not be
    /// started), supervises it with `--init` (its exit code), or writes the `--dry-run` plan (0).
    private static func carryOut(_ launch: Launch, log: Log) throws(EntrypointError) -> Int32 {
        switch launch {
        case .dryRun(let plan):
            writeStandardOutput(plan)
            return ExitCode.success
        case .supervise(let command, let environment, let profile, let watch):
            let supervisor = try InitSupervisor(
                command: command, environment: environment, profile: profile, log: log)
            if let watch {
                watch.serverStarted(environment: environment)
                watch.attach(to: supervisor)
            }
            defer { watch?.stop() }
            return try supervisor.run()
        case .exec(let command, let environment):
            // A SIGTERM from here on is not lost while the server starts: see execAsProcessOne.
            let stopped = execAsProcessOne(command, environment: environment) {
                let shown = shellQuoted(log.redact(words: command))
                log.info("exec \(shown) (pid \(currentProcessID()))")
            }
            switch stopped {
            case .interrupted(let signal): throw .interrupted(signal: signal)
            case .failed(var failure):
                failure.path = log.redact(command: failure.path)
                throw .exec(failure)
            }
        }
    }

    /// Prints why start-up stopped: template diagnostics compiler-style (`path:line:col: error: ...`,
    /// so editors and CI annotate them), everything else as `entrypoint: error: ...`.
    private static func report(_ error: EntrypointError, log: Log) {
        if case .templates(.diagnostics(let diagnostics)) = error {
            for diagnostic in diagnostics {
                // Located diagnostics print compiler-style; the others get the tool's prefix.
                let prefix = diagnostic.location == nil ? "entrypoint: " : ""
                // The Templater writes *** for secrets itself; nothing else here is a value.
                for line in diagnostic.description.split(separator: "\n") {
                    StandardError.writeLine(prefix + line)
                }
            }
            let errors = diagnostics.filter { $0.severity == .error }.count
            log.error(
                "\(errors) problem\(errors == 1 ? "" : "s") in the templates or variables: "
                    + "nothing was rendered, start-up stopped")
            return
        }
        log.error(error.description)
    }

    static let usage = """
        usage: entrypoint [OPTIONS] [--] COMMAND [ARGS...]
               entrypoint healthcheck TARGET...

        Prepares a container, then execs COMMAND in place (same PID, clean signal state).
        Phases, in order: _FILE secrets, templates, wait, hooks, user switch, exec.

          --template SRC:DEST     render a template file or directory (repeatable; atomic)
          --allow LIST            substitute only these names ('A,B' or '${A} ${B}')
          --allow-prefix P        ... names starting with P (repeatable)
          --allow-regex RE        ... names matching the POSIX ERE (repeatable)
          --defined-only          ... names defined in the environment
          --braces-only           a bare $NAME is never a reference (nginx $host stays)
          --unset error|empty|keep  what an unset selected variable does (default error)
          --no-empty              treat empty values as unset
          --fail-fast             stop at the first template problem
          --env-file F            Compose .env file under the environment (repeatable)
          --file-env[=WHICH]      X_FILE supplies X: auto (default: names with PASSWORD,
                                  SECRET, TOKEN, KEY), all, or a LIST of names
          --no-file-env           leave X_FILE variables alone
          --secrets-dir DIR       each file in DIR supplies the variable named after it
                                  (db_password -> DB_PASSWORD; like X_FILE)
          --suffix S              template suffix in directories (default .template)
          --mode OCTAL            mode of new outputs
          --wait TARGET           wait for host:port, http://, unix://, file://, postgres://, mysql://,
                                  redis://, amqp:// (?stable=N: N ready answers in a row)
          --wait-timeout D        give up waiting after D (default 60s; 0 = never)
          --hook COMMAND          run COMMAND (split like a shell, no expansion, no shell)
          --hooks-dir DIR         run DIR's executable files in sort -V order
          --hook-timeout D        end a hook after D (SIGTERM, then SIGKILL): exit 124
          --lock PATH             run the hooks under an exclusive flock on PATH
          --user USER[:GROUP]     switch user after the hooks (root only; no-op if already)
          --init                  stay PID 1: forward signals, reap orphans, exit with the child
          --signal-group          forward signals to the child's whole process group (implies --init)
          --signal-map FROM:TO,.. rewrite forwarded signals, e.g. TERM:QUIT (implies --init)
          --stop-signal SIG       the signal that starts the stop (default TERM; implies --init)
          --stop-delay D          keep serving for D after the stop signal, then forward it
          --stop-timeout D        SIGKILL the child's group D after the forwarded stop: exit 137
          --watch                 after start, re-render when a template, env file or _FILE
                                  secret changes, check, then signal the server (implies --init)
          --reload-check COMMAND  validate the new files first (e.g. 'nginx -t'); a failure
                                  puts the previous files back and signals nothing
          --reload-check-timeout D  end the check after D (default 30s): a failed reload
          --reload-signal SIG     what tells the server to reload (default HUP)
          --watch-debounce D      quiet time before a reload (default 50ms)
          --dry-run               print the plan (secrets redacted) and change nothing
          --log-level L           error, warning, info (default), debug
          --quiet                 same as --log-level warning

        Every option also comes from ENTRYPOINT_<NAME> (e.g. ENTRYPOINT_TEMPLATES='a:b,c:d',
        ENTRYPOINT_HOOKS with one command per line); flags win. NGINX_ENVSUBST_* are honoured.

        """
}
