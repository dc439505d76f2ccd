/// One start-up hook: a command run directly (no shell) before the server starts.
public struct Hook: Equatable, Sendable {
    /// What the logs call it: the command as written for `--hook`, the path for a hooks-dir entry.
    public var name: String
    /// argv: the program (looked up in `PATH` as `execvp` does) and its arguments.
    public var arguments: [String]

    /// A hook with an explicit name and argv.
    public init(name: String, arguments: [String]) {
        self.name = name
        self.arguments = arguments
    }

    /// The hook for a `--hook` command line, split into words like a shell without any expansion.
    public init(command: String) throws(ShellWordsError) {
        let words = try ShellWords.split(command)
        guard !words.isEmpty else { throw ShellWordsError(message: "empty command") }
        self.init(name: command.trimmingBlanks(), arguments: words)
    }
}

extension String {
    /// The lines of the text, split at every `\n` (a `\r` before it stays): splitting the String
    /// itself would treat `\r\n` as one character and miss those line ends.
    func lines() -> [String] {
        unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
            String(String.UnicodeScalarView($0))
        }
    }

    /// The text without leading and trailing spaces, tabs and newlines.
    func trimmingBlanks() -> String {
        let blanks: Set<Character> = [" ", "\t", "\n", "\r"]
        guard let first = firstIndex(where: { !blanks.contains($0) }),
            let last = lastIndex(where: { !blanks.contains($0) })
        else { return "" }
        return String(self[first...last])
    }
}
