extension Startup {
    /// The nginx image's `/docker-entrypoint.d/` sequence (`NginxEntrypoint`), after the templates
    /// and before the wait: its `.sh` files run as hooks do (clean signal state, `--hook-timeout`,
    /// SIGTERM/SIGINT end them); returns the environment with what its `.envsh` files exported.
    func runNginxEntrypoint(_ secrets: Secrets) throws(EntrypointError) -> [String: String] {
        guard let nginx = configuration.nginx else { return secrets.environment }
        do {
            try Interruption.watchChildren()
        } catch {
            throw .system(error)
        }
        defer { Interruption.stopWatchingChildren() }
        let runner = HookRunner(timeout: configuration.hookTimeout, log: log)
        return try nginx.run(
            command: configuration.command, environment: secrets.environment,
            secretNames: Set(secrets.files.map(\.name)),
            runFile: { hook, environment throws(EntrypointError) in
                try runner.run(hook, environment: environment)
            }, log: log)
    }
}
