import Platform

extension Startup {
    /// The nginx image's `/docker-entrypoint.d/` sequence (`NginxEntrypoint`), after the templates
    /// and before the wait: its `.sh` files run as hooks do (clean signal state, `--hook-timeout`,
    /// SIGTERM/SIGINT end them); returns the environment with what its `.envsh` files exported.
    ///
    /// The sequence works on text (a shell exports what `.envsh` files change): the variables it
    /// leaves as they were keep their bytes, for its `.sh` files and for the server.
    func runNginxEntrypoint(_ secrets: Secrets) throws(EntrypointError) -> Environment {
        guard let nginx = configuration.nginx else { return secrets.environment }
        do {
            try Interruption.watchChildren()
        } catch {
            throw .system(error)
        }
        defer { Interruption.stopWatchingChildren() }
        let runner = HookRunner(timeout: configuration.hookTimeout, log: log)
        let original = secrets.environment
        let exported = try nginx.run(
            command: configuration.command, environment: original.text,
            secretNames: Set(secrets.files.map(\.name)),
            runFile: { hook, environment throws(EntrypointError) in
                try runner.run(
                    hook, environment: Environment(environment, keepingBytesOf: original))
            }, log: log)
        return Environment(exported, keepingBytesOf: original)
    }
}
