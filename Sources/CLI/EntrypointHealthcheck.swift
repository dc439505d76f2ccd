import Platform

extension EntrypointCommand {
    /// `entrypoint healthcheck TARGET...`: one probe round, exit 0 or 1 (`wait-for --once`), for a
    /// Dockerfile `HEALTHCHECK CMD ["entrypoint", "healthcheck", "http://127.0.0.1/health"]`.
    static func healthcheck(_ arguments: [String]) -> Int32 {
        WaitForCommand.main(["--once"] + arguments)
    }
}
