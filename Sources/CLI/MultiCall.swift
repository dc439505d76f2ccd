/// Every shipped binary answers as the tool it is invoked as (argv[0], via symlink): `dist/entrypoint`,
/// `dist/templater` and `dist/wait-for` alike, so that a symlink named `envsubst` works whichever of
/// them it points at. Under any other name a binary is its own tool.
public enum MultiCall {
    /// The tools a binary can be.
    public enum Tool: String, Sendable, CaseIterable {
        /// `entrypoint`.
        case entrypoint
        /// `templater`.
        case templater
        /// GNU-compatible `envsubst` (`templater envsubst`).
        case envsubst
        /// `wait-for`.
        case waitFor = "wait-for"
    }

    /// Runs the tool named by the last path component of `arguments[0]`, or `otherwise` when that
    /// names no tool (`/docker-entrypoint`, a renamed copy).
    public static func main(_ arguments: [String], otherwise: Tool) -> Int32 {
        let invokedAs =
            arguments.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? ""
        let rest = Array(arguments.dropFirst())
        switch Tool(rawValue: invokedAs) ?? otherwise {
        // `templater envsubst` from the command line gets the byte-exact environment too (the
        // dictionary `TemplaterCommand.main` builds cannot hold what envsubst must copy).
        case .templater where rest.first == "envsubst":
            return TemplaterCommand.envsubstMain(
                Array(rest.dropFirst()), environment: .current())
        case .templater: return TemplaterCommand.main(rest)
        case .envsubst: return TemplaterCommand.envsubstMain(rest, environment: .current())
        case .waitFor: return WaitForCommand.main(rest)
        case .entrypoint: return EntrypointCommand.main(rest)
        }
    }
}
