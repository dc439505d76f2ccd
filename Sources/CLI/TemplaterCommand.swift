import Platform
import Templater

/// The `templater` command line: `render`, `check`, `vars`, `envsubst`.
public enum TemplaterCommand {
    /// Runs `templater ARGS...` and returns the exit code.
    public static func main(_ arguments: [String]) -> Int32 {
        guard let subcommand = arguments.first else {
            StandardError(tool: "templater").error(
                "missing subcommand (render, check, vars, envsubst)")
            return ExitCode.usage
        }
        switch subcommand {
        case "envsubst": return envsubstMain(Array(arguments.dropFirst()))
        default:
            StandardError(tool: "templater").error("unknown subcommand '\(subcommand)'")
            return ExitCode.usage
        }
    }
}
