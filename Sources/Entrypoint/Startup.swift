import Platform
import Templater

/// The start-up of a container, phase by phase, each announced in one log line: `_FILE` secrets →
/// templates → wait → hooks → `--user`, as README.md's "entrypoint" section describes them; `run()`
/// returns what to do then (a `Launch`: exec, `--init` supervision, or the `--dry-run` plan), which the
/// caller carries out.
///
/// Configuration errors (an unknown user, a missing hooks directory) are found before any phase
/// changes anything. SIGTERM/SIGINT abort between phases and inside the wait and the hooks with
/// 143/130.
public struct Startup {
    /// What to do.
    public var configuration: Configuration
    /// The process environment, as a value (the library never reads `environ`), byte for byte.
    public var environment: Environment
    /// Where log lines go; secret values in the commands they quote are redacted there.
    public var log: Log

    /// A start-up of `configuration` in `environment`.
    public init(configuration: Configuration, environment: Environment, log: Log) {
        self.configuration = configuration
        self.environment = environment
        self.log = log
    }

    /// Runs every phase; returns how to start the command (`.exec` in place, `.supervise` with
    /// `--init`), or `.dryRun` with the plan after the secrets phase, when nothing else ran.
    public func run() throws(EntrypointError) -> Launch {
        do {
            try Interruption.install()
        } catch {
            throw .system(error)
        }
        guard !configuration.command.isEmpty else {
            throw .usage("no command to run (give it after the options, or as the image's CMD)")
        }
        let secrets = try resolveSecrets()
        let user = try configuration.user.map { spec throws(EntrypointError) in
            try configuration.userDatabase.resolve(spec)
        }
        // Whether the switch can work at all is known now: say so before a phase changes anything.
        if let user, !configuration.dryRun { try UserSwitch.check(user) }
        var hooks = configuration.hooks
        if let directory = configuration.hooksDirectory {
            hooks += try HooksDirectory.hooks(in: directory, log: log)
        }

        if configuration.dryRun {
            let plan = Plan(
                configuration: configuration, environment: secrets.environment,
                secrets: secrets.files, hooks: hooks, user: user, log: log)
            return .dryRun(plan: plan.text())
        }

        try stopIfInterrupted()
        let watch = try startWatch(secrets)
        try renderTemplates(secrets)
        try stopIfInterrupted()
        let prepared = try runNginxEntrypoint(secrets)
        try stopIfInterrupted()
        try waitForTargets()
        try stopIfInterrupted()
        var environment = try runHooks(hooks, environment: prepared)
        environment["ENTRYPOINT_ENV"] = nil
        if let user, try UserSwitch.apply(user, log: log) {
            environment["HOME"] = user.home
        }
        if configuration.initMode {
            return .supervise(
                command: configuration.command, environment: environment,
                profile: configuration.stop, watch: watch)
        }
        return .exec(command: configuration.command, environment: environment)
    }

    // MARK: - Phases

    /// What the secrets phase produced: the environment with `X` set from `X_FILE`, and which names
    /// came from which files.
    struct Secrets {
        var environment: Environment
        var files: [(name: String, path: String)]
    }

    /// Phase 1: env files under the process environment, then `X_FILE` → `X` (docker-library
    /// `file_env`: `X_FILE` is removed, `X` is exported to the hooks and the server). A reload of
    /// `--watch` repeats it without `announce` (no `secrets:` line at every reload).
    ///
    /// On bytes throughout: a secret or an env-file value that is not UTF-8 is passed on as read.
    func resolveSecrets(announce: Bool = true) throws(EntrypointError) -> Secrets {
        let merged: [String: [UInt8]]
        do {
            merged = try Variables(bytes: environment.bytes, envFiles: configuration.envFiles)
                .bytes
        } catch {
            // A FIFO env file or secret waits for its writer until SIGTERM/SIGINT (`InputFile`).
            try stopIfInterrupted()
            throw .templates(error)
        }
        var considered: [String: [UInt8]] = [:]
        var passedOn: [String: [UInt8]] = [:]
        for (name, value) in merged {
            if name.hasSuffix("_FILE")
                && !configuration.fileSecrets.covers(String(name.dropLast(5)))
            {
                passedOn[name] = value
            } else {
                considered[name] = value
            }
        }
        let directorySecrets = try configuration.secretsDirectory.map {
            directory throws(EntrypointError) in
            try SecretsDirectory.read(
                directory, environment: Environment(bytes: merged),
                fileSecrets: configuration.fileSecrets, log: log)
        }
        var resolved: (environment: [String: [UInt8]], secretNames: Set<String>)
        do {
            resolved = try resolveFileSecrets(bytes: considered)
        } catch {
            try stopIfInterrupted()
            throw .templates(error)
        }
        resolved.environment.merge(passedOn) { current, _ in current }
        var files = resolved.secretNames.sorted().map {
            (name: $0, path: merged[$0 + "_FILE"].map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        for entry in directorySecrets ?? [] {
            resolved.environment[entry.name] = entry.bytes
            resolved.secretNames.insert(entry.name)
            files.append((name: entry.name, path: entry.path))
        }
        let result = Environment(bytes: resolved.environment)

        log.addSecrets(resolved.secretNames.compactMap { result[$0] })
        log.addSecrets(result.names.filter(isSecretName).compactMap { result[$0] })
        if announce && !files.isEmpty {
            log.info(
                "secrets: "
                    + files.map { "\($0.name) from \($0.path)" }.joined(separator: ", "))
        }
        return Secrets(environment: result, files: files)
    }

    /// Phase 4: the hooks, in order, under `--lock`; returns the environment with what they wrote
    /// to `ENTRYPOINT_ENV`.
    func runHooks(_ hooks: [Hook], environment: Environment) throws(EntrypointError)
        -> Environment
    {
        guard !hooks.isEmpty else { return environment }
        do {
            try Interruption.watchChildren()
        } catch {
            throw .system(error)
        }
        defer { Interruption.stopWatchingChildren() }
        let lock = try configuration.lockPath.map { path throws(EntrypointError) in
            try FileLock.acquire(path, log: log, interrupted: Interruption.check)
        }
        defer { lock?.release() }
        let file = try HookEnvironmentFile.create(environment: environment)
        defer { file.remove() }

        let runner = HookRunner(timeout: configuration.hookTimeout, log: log)
        var environment = environment
        var consumed = 0
        for (index, written) in hooks.enumerated() {
            // The name the logs and errors quote, with the secrets known by now redacted.
            var hook = written
            hook.name = log.redact(command: written.name)
            log.info("running hook \(index + 1)/\(hooks.count): \(hook.name)")
            log.debug("hook argv: \(shellQuoted(log.redact(words: hook.arguments)))")
            var hookEnvironment = environment
            hookEnvironment["ENTRYPOINT_ENV"] = file.path
            try runner.run(hook, environment: hookEnvironment)
            let entries = try file.entries(writtenBy: hook.name)
            let added = entries[min(consumed, entries.count)...]
            consumed = entries.count
            for (name, value) in added {
                environment[name] = value
                if isSecretName(name) { log.addSecrets([value]) }
            }
            if !added.isEmpty {
                let names = Set(added.map(\.0)).sorted().joined(separator: ", ")
                log.info("hook '\(hook.name)' set \(names)")
            }
        }
        return environment
    }

    /// Throws `.interrupted` when SIGTERM or SIGINT has arrived.
    func stopIfInterrupted() throws(EntrypointError) {
        if let signal = Interruption.check() { throw .interrupted(signal: signal) }
    }
}

/// `words` as a shell would need them typed: plain words as they are, others in single quotes.
public func shellQuoted(_ words: [String]) -> String {
    words.map { word in
        let plain =
            !word.isEmpty
            && word.unicodeScalars.allSatisfy { scalar in
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                    || (scalar >= "0" && scalar <= "9")
                    || "-_./:=@%+,".unicodeScalars.contains(scalar)
            }
        if plain { return word }
        return "'" + word.replacingText("'", with: "'\\''") + "'"
    }.joined(separator: " ")
}
