import Platform
import Templater

extension TemplaterCommand {
    /// Runs `envsubst ARGS...` (GNU envsubst 0.21's command line) over `environment` and returns GNU's
    /// exit code: 0, or 1 for any failure (bad option, too many or missing arguments, read or write
    /// error).
    public static func envsubstMain(_ arguments: [String], environment: RawEnvironment) -> Int32 {
        let log = StandardError(tool: "envsubst")
        let request: EnvsubstRequest
        do {
            request = try EnvsubstRequest(
                arguments: arguments,
                posixlyCorrect: environment.value(of: "POSIXLY_CORRECT") != nil)
        } catch {
            log.error(error.suggestsHelp ? "\(error); try 'envsubst --help'" : "\(error)")
            return ExitCode.failure
        }
        let output = ByteOutput(fd: 1, name: "standard output")
        do {
            switch request {
            case .help:
                try writeText(envsubstHelp, to: output)
            case .version:
                try writeText(envsubstVersion, to: output)
            case .listVariables(let format):
                try writeText(format.names.map { $0 + "\n" }.joined(), to: output)
            case .substitute(let selection):
                let input = ByteInput(fd: 0, name: "standard input")
                let scanner = EnvsubstScanner(
                    lookup: lookup(environment, selection: selection))
                try scanner.render(input, to: output)
            }
        } catch {
            return report(error, log: log, output: output)
        }
        return ExitCode.success
    }

    /// Prints `failure` as GNU does and returns its exit code.
    private static func report(_ failure: EnvsubstFailure, log: StandardError, output: ByteOutput)
        -> Int32
    {
        switch failure {
        case .read(let error):
            // GNU flushes what it has substituted so far before it reports the read error.
            try? output.flush()
            log.error("error while reading \"standard input\": \(errorText(error.errno))")
            return ExitCode.failure
        case .write(let error) where error.isBrokenPipe:
            // GNU (gettext's `fwriteerror`) takes EPIPE, seen when SIGPIPE is ignored, as the reader
            // having had enough: not an error. With SIGPIPE's default action the write never returns.
            return ExitCode.success
        case .write(let error):
            log.error("write error: \(errorText(error.errno))")
            return ExitCode.failure
        }
    }

    private static func writeText(_ text: String, to output: ByteOutput) throws(EnvsubstFailure) {
        do {
            try output.write(text)
            try output.flush()
        } catch {
            throw .write(error)
        }
    }

    /// `environment` as envsubst sees it, byte for byte: values need not be UTF-8, and the first of
    /// two entries with one name wins (`EnvsubstLookup.define` keeps the first, as `getenv` finds it).
    private static func lookup(_ environment: RawEnvironment, selection: ShellFormat?)
        -> EnvsubstLookup
    {
        var lookup = EnvsubstLookup(selection: selection)
        for entry in environment.entries {
            entry.name.withUnsafeBytes { name in
                entry.value.withUnsafeBytes { value in lookup.define(name: name, value: value) }
            }
        }
        return lookup
    }

    private static let envsubstVersion = """
        envsubst (Entrypoint Toolkit templater) \(toolkitVersion)
        Substitutes environment variables exactly as GNU envsubst 0.21 (gettext) does.

        """

    private static let envsubstHelp = """
        Usage: envsubst [-v|--variables] [SHELL-FORMAT]
               templater envsubst [-v|--variables] [SHELL-FORMAT]

        Copies standard input to standard output and replaces every $NAME and ${NAME} with the value
        of the environment variable NAME, or with nothing when NAME is unset. A name is an ASCII letter
        or underscore followed by letters, digits and underscores. Nothing else is special: $1 and
        ${NAME:-default} are copied as they are, there are no escapes (\\$NAME is a backslash and the
        value), and values are never expanded again.

        With a SHELL-FORMAT, only the names that it mentions as $NAME or ${NAME} are replaced; every
        other reference is copied as it is. envsubst '$HOST ${PORT}' < nginx.conf.template keeps
        nginx's own $host and $uri. An empty SHELL-FORMAT replaces nothing.

          -v, --variables   print the names that SHELL-FORMAT mentions, one per line; stdin is not read
          -h, --help        print this help
          -V, --version     print the version

        Byte for byte what GNU envsubst 0.21 prints, with its exit codes: 0, or 1 after an error.
        For defaults (${NAME:-word}), required variables and more, use `templater render`.

        """
}
