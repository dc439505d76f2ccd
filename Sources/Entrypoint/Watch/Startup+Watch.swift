import Platform

extension Startup {
    /// What `--watch` watches: the `--template` sources, the `--env-file`s and the files the `_FILE`
    /// secrets came from.
    func watchInputs(_ secrets: Secrets) -> WatchInputs {
        WatchInputs(
            templates: configuration.templates.map(\.source).filter { $0 != "-" },
            suffix: configuration.suffix, envFiles: configuration.envFiles,
            secretFiles: secrets.files.map(\.path))
    }

    /// Arms `--watch` before the render phase reads anything, so that a change made while the
    /// server starts is queued, not missed; nil without `--watch`, or with nothing to re-render.
    ///
    /// Logs what is watched in one line (and each directory at debug level).
    func startWatch(_ secrets: Secrets) throws(EntrypointError) -> WatchSession? {
        guard configuration.watch else { return nil }
        guard !configuration.templates.isEmpty else {
            log.warning("watch: no --template to render again; not watching")
            return nil
        }
        let inputs = watchInputs(secrets)
        let session: WatchSession
        do {
            session = try WatchSession(startup: self, inputs: inputs)
        } catch {
            throw .system(error)
        }
        log.info(
            "watch: \(log.redact(words: inputs.summary).joined(separator: ", ")); on change: "
                + "render, \(reloadSummary)")
        for directory in session.watchedDirectories {
            log.debug("watch: watching \(log.redact(command: directory))")
        }
        return session
    }

    /// `nginx -t (timeout 30s), then SIGHUP`: what a change leads to.
    var reloadSummary: String {
        let signal = signalName(configuration.reloadSignal)
        guard let check = configuration.reloadCheck else { return "no check, then \(signal)" }
        let timeout = formatSeconds(Double(check.timeout) / 1e9)
        return
            "check '\(log.redact(command: check.command.name))' (timeout \(timeout)), then \(signal)"
    }
}
