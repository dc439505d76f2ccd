import Platform
import WaitFor

/// The `wait-for` command line.
public enum WaitForCommand {
    /// Runs `wait-for ARGS...` and returns the exit code (or execs the follow-up command).
    public static func main(_ arguments: [String]) -> Int32 {
        StandardError(tool: "wait-for").error("wait-for is being built")
        return ExitCode.usage
    }
}
