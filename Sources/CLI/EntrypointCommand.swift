import Entrypoint
import Platform

/// The `entrypoint` command line.
public enum EntrypointCommand {
    /// Runs `entrypoint ARGS...`: prepares the container, then execs the command.
    public static func main(_ arguments: [String]) -> Int32 {
        StandardError(tool: "entrypoint").error("entrypoint is being built")
        return ExitCode.usage
    }
}
