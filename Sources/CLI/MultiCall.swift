/// The one shipped binary answers as the tool it is invoked as (argv[0], via symlink).
public enum MultiCall {
    /// Runs the tool named by the last path component of `arguments[0]`; anything else is `entrypoint`.
    public static func main(_ arguments: [String]) -> Int32 {
        let invokedAs =
            arguments.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? ""
        let rest = Array(arguments.dropFirst())
        switch invokedAs {
        case "templater": return TemplaterCommand.main(rest)
        case "envsubst": return TemplaterCommand.envsubstMain(rest)
        case "wait-for": return WaitForCommand.main(rest)
        default: return EntrypointCommand.main(rest)
        }
    }
}
