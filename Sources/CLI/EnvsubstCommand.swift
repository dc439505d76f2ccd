import Platform
import Templater

extension TemplaterCommand {
    /// Runs `envsubst ARGS...` (GNU envsubst 0.21's command line) and returns GNU's exit code.
    public static func envsubstMain(_ arguments: [String]) -> Int32 {
        StandardError(tool: "envsubst").error("envsubst mode is being built")
        return ExitCode.failure
    }
}
