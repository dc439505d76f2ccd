import Platform
import Templater

/// The `templater` command line: `render`, `check`, `vars`, `envsubst`.
public enum TemplaterCommand {
    static let log = StandardError(tool: "templater")

    /// Runs `templater ARGS...` with the process environment and returns the exit code.
    public static func main(_ arguments: [String]) -> Int32 {
        main(arguments, environment: RawEnvironment.current())
    }

    /// Runs `templater ARGS...` with `environment` and returns the exit code.
    public static func main(_ arguments: [String], environment: [String: String]) -> Int32 {
        main(arguments, environment: RawEnvironment(environment))
    }

    /// Runs `templater ARGS...` with the environment byte for byte (values need not be UTF-8: render
    /// mode substitutes them as they are) and returns the exit code.
    public static func main(_ arguments: [String], environment: RawEnvironment) -> Int32 {
        guard let subcommand = arguments.first else {
            log.error("missing subcommand (render, check, vars, envsubst)")
            return ExitCode.usage
        }
        let rest = Array(arguments.dropFirst())
        do throws(CommandError) {
            switch subcommand {
            case "render": return try render(rest, environment: environment.firstValues)
            case "check": return try check(rest, environment: environment.firstValues)
            case "vars": return try vars(rest)
            case "envsubst": return envsubstMain(rest, environment: environment)
            case "-h", "--help", "help":
                writeStandardOutput(help)
                return ExitCode.success
            case "--version":
                writeStandardOutput("templater (Entrypoint Toolkit) \(toolkitVersion)\n")
                return ExitCode.success
            default:
                throw .usage(
                    UsageError("unknown subcommand '\(subcommand)' (render, check, vars, envsubst)")
                )
            }
        } catch {
            return report(error)
        }
    }

    // MARK: - Subcommands

    private static func render(_ arguments: [String], environment: [String: [UInt8]])
        throws(CommandError) -> Int32
    {
        var options = try Options.parse(arguments, command: "render")
        if options.help {
            writeStandardOutput(help)
            return ExitCode.success
        }
        if options.inputs.isEmpty { options.inputs = ["-"] }
        let jobs = try options.jobs()
        let policy = try options.policy()
        // SIGTERM/SIGINT stop the render at its next system call, and the reading of a FIFO env file
        // or secret at once: the temporary files are removed, existing outputs stay as they were, and
        // the exit code is 143/130 as if killed.
        try? SignalPipe.install([Signal.terminate, Signal.interrupt])
        SignalPipe.abortsBlockingCalls = true
        do {
            let variables = try options.variables(environment)
            _ = try wrap { () throws(TemplaterError) in
                try renderFiles(jobs, policy: policy, variables: variables, options: options.output)
            }
        } catch {
            SignalPipe.abortsBlockingCalls = false  // the message's write must not give up too
            guard let signal = SignalPipe.abortSignal else { throw error }
            // Files are all-or-nothing; stdout has already had what was rendered before the signal.
            let outcome =
                jobs.contains { $0.destination == nil }
                ? "rendering stopped" : "nothing was changed"
            log.error("\(signal == Signal.interrupt ? "SIGINT" : "SIGTERM") received: \(outcome)")
            return ExitCode.signaled(signal)
        }
        return ExitCode.success
    }

    private static func check(_ arguments: [String], environment: [String: [UInt8]])
        throws(CommandError) -> Int32
    {
        var options = try Options.parse(arguments, command: "check")
        if options.help {
            writeStandardOutput(help)
            return ExitCode.success
        }
        if options.inputs.isEmpty { options.inputs = ["-"] }
        let policy = try options.policy()
        let variables = try options.variables(environment)
        let findings = try wrap { () throws(TemplaterError) in
            try Checker.check(
                options.inputs, policy: policy, variables: variables, suffix: options.output.suffix)
        }
        for finding in findings {
            writeStandardOutput(options.format.format(finding))
        }
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.count - errors
        if options.format == .text && !findings.isEmpty {
            StandardError.writeLine(
                "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            )
        }
        return errors > 0 || (options.strict && warnings > 0) ? ExitCode.failure : ExitCode.success
    }

    private static func vars(_ arguments: [String]) throws(CommandError) -> Int32 {
        var options = try Options.parse(arguments, command: "vars")
        if options.help {
            writeStandardOutput(help)
            return ExitCode.success
        }
        if options.inputs.isEmpty { options.inputs = ["-"] }
        let occurrences = try wrap { () throws(TemplaterError) in
            try VariableLister.references(options.inputs, suffix: options.output.suffix)
        }
        if options.locations {
            writeStandardOutput(occurrences.map { "\($0.location): \($0.name)\n" }.joined())
        } else {
            writeStandardOutput(Set(occurrences.map(\.name)).sorted().map { $0 + "\n" }.joined())
        }
        return ExitCode.success
    }

    // MARK: - Errors

    /// A failure of a subcommand.
    enum CommandError: Error {
        case usage(UsageError)
        case templater(TemplaterError)
    }

    private static func report(_ error: CommandError) -> Int32 {
        switch error {
        case .usage(let usage):
            log.error(Diagnostic.escapingControls(usage.message))
            StandardError.writeLine("Try 'templater --help' for more information.")
            return ExitCode.usage
        case .templater(let failure):
            switch failure {
            case .diagnostics(let diagnostics):
                for diagnostic in diagnostics {
                    if diagnostic.location == nil {
                        log.error(diagnostic.description.dropPrefix("error: "))
                    } else {
                        StandardError.writeLine(diagnostic.description)
                    }
                }
            case .usage(let message):
                log.error(Diagnostic.escapingControls(message))
                StandardError.writeLine("Try 'templater --help' for more information.")
            default:
                log.error(failure.description)
            }
            return failure.exitCode
        }
    }

    static let help = """
        Usage: templater render [FILE|DIR|- ...] [-o OUT] [SELECTION] [OPTIONS]
               templater check  [FILE|DIR|- ...] [SELECTION] [--env-file F]... [--format text|json|github] [--strict]
               templater vars   [FILE|DIR|- ...] [--locations]
               templater envsubst [-v|--variables] [SHELL-FORMAT]

        Renders configuration templates from the environment: $NAME and ${NAME}, bash's operators
        (${N:-default}, ${N:?message}, ${N#pattern}, ${N/p/r}, ${N^^}, ...), $$ for a literal $.

        Selection (default: every name):
          --allow LIST          names separated by commas or spaces, or '${A} ${B}'
          --allow-prefix P      names starting with P (repeatable)
          --allow-regex RE      names matching the POSIX extended regular expression RE (repeatable)
          --defined-only        only names defined in the environment
          --braces-only         a bare $NAME is never a reference (nginx's $host stays)

        Options:
          -o, --output OUT      output file, or directory for directory inputs (default: stdout)
          --unset MODE          error (default), empty, or keep: what an unset variable does
          --no-empty            treat empty variables as unset
          --env-file F          read Docker Compose .env syntax (repeatable; the environment wins)
          --file-env[=WHICH]    X_FILE=path supplies X from the file (docker-library file_env):
                                alone, names with PASSWORD, PASSWD, SECRET, TOKEN, KEY (not AWS_*);
                                =all every X_FILE; =A,B only these; --no-file-env none (default)
          --suffix S            template suffix in directories, stripped from outputs (default .template)
          --mode OCTAL          mode of new output files
          --fail-fast           stop at the first error
          --format F            check: text (default), json, github
          --strict              check: warnings fail too
          --locations           vars: print path:line:col: NAME for every reference

        Exit codes: 0 success, 1 template problems, 64 usage, 66 unreadable input, 73 output not created.

        """
}

/// The toolkit's version, printed by `--version`.
public let toolkitVersion = "0.1.0"

extension String {
    /// The string without `prefix` when it starts with it.
    func dropPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}

/// Runs `body`, turning a `TemplaterError` into a `CommandError`.
private func wrap<T>(_ body: () throws(TemplaterError) -> T) throws(TemplaterCommand.CommandError)
    -> T
{
    do {
        return try body()
    } catch {
        throw .templater(error)
    }
}

// MARK: - Options

extension TemplaterCommand {
    /// The options of `render`, `check` and `vars`.
    struct Options {
        var inputs: [String] = []
        var output: OutputOptions = OutputOptions()
        var outputPath: String?
        var allow: [String] = []
        var prefixes: [String] = []
        var regexes: [String] = []
        var definedOnly = false
        var bracesOnly = false
        var unset = UnsetPolicy.error
        var noEmpty = false
        var envFiles: [String] = []
        var fileSecrets = FileSecrets.off
        var failFast = false
        var format = DiagnosticFormat.text
        var strict = false
        var locations = false
        var help = false

        static func parse(_ arguments: [String], command: String) throws(CommandError) -> Options {
            var options = Options()
            var reader = ArgumentReader(arguments)
            do throws(UsageError) {
                while let argument = reader.next() {
                    switch argument {
                    case .operand(let operand):
                        options.inputs.append(operand)
                    case .terminator:
                        continue
                    case .flag(let flag, let inline):
                        try options.apply(flag, inline: inline, reader: &reader, command: command)
                    }
                }
            } catch {
                throw .usage(error)
            }
            return options
        }

        private mutating func apply(
            _ flag: String, inline: String?, reader: inout ArgumentReader, command: String
        ) throws(UsageError) {
            func value() throws(UsageError) -> String { try reader.value(of: flag, inline: inline) }
            func noValue() throws(UsageError) {
                if inline != nil { throw UsageError("\(flag) takes no value") }
            }
            let renderOnly = ["-o", "--output", "--mode", "--fail-fast"]
            let checkOnly = ["--format", "--strict"]
            if (renderOnly.contains(flag) && command != "render")
                || (checkOnly.contains(flag) && command != "check")
                || (flag == "--locations" && command != "vars")
            {
                throw UsageError("\(flag) is not an option of '\(command)'")
            }
            switch flag {
            case "-h", "--help": help = true
            case "-o", "--output": outputPath = try value()
            case "--allow":
                let text = try value()
                let names = Selection.parseList(text)
                // An empty list would select nothing by its words, everything by the rule that no
                // selection selects every name: refuse it rather than guess.
                if names.isEmpty {
                    throw UsageError(
                        "--allow: '\(text)' names no variable (leave --allow out to select every name)"
                    )
                }
                allow += names
            case "--allow-prefix": prefixes.append(try value())
            case "--allow-regex": regexes.append(try value())
            case "--defined-only":
                try noValue()
                definedOnly = true
            case "--braces-only":
                try noValue()
                bracesOnly = true
            case "--unset":
                let text = try value()
                guard let mode = UnsetPolicy(rawValue: text) else {
                    throw UsageError("--unset: '\(text)' is not one of error, empty, keep")
                }
                unset = mode
            case "--no-empty":
                try noValue()
                noEmpty = true
            case "--env-file": envFiles.append(try value())
            case "--file-env":
                // The entrypoint's forms and meaning: alone, secret-looking names; `=all`, `=LIST`.
                do {
                    fileSecrets = try FileSecrets(parsing: inline ?? "auto", origin: flag)
                } catch {
                    throw UsageError(error.description)
                }
            case "--no-file-env":
                try noValue()
                fileSecrets = .off
            case "--suffix": output.suffix = try value()
            case "--mode":
                let text = try value()
                guard let mode = UInt32(text, radix: 8), mode <= 0o7777 else {
                    throw UsageError("--mode: '\(text)' is not an octal file mode (e.g. 0644)")
                }
                output.mode = mode
            case "--fail-fast":
                try noValue()
                failFast = true
            case "--format":
                let text = try value()
                guard let format = DiagnosticFormat(rawValue: text) else {
                    throw UsageError("--format: '\(text)' is not one of text, json, github")
                }
                self.format = format
            case "--strict":
                try noValue()
                strict = true
            case "--locations":
                try noValue()
                locations = true
            default:
                throw UsageError("unknown option '\(flag)'")
            }
        }

        func policy() throws(CommandError) -> RenderPolicy {
            let selection = try wrap { () throws(TemplaterError) in
                try Selection(
                    names: allow, prefixes: prefixes, regexes: regexes, definedOnly: definedOnly)
            }
            return RenderPolicy(
                selection: selection, onUnset: unset, treatEmptyAsUnset: noEmpty,
                bracesOnly: bracesOnly,
                failFast: failFast)
        }

        func variables(_ environment: [String: [UInt8]]) throws(CommandError) -> Variables {
            try wrap { () throws(TemplaterError) in
                try Variables(bytes: environment, envFiles: envFiles, fileSecrets: fileSecrets)
            }
        }

        /// One job per input; several inputs, or a directory, need `-o` to be a directory.
        func jobs() throws(CommandError) -> [RenderJob] {
            guard let outputPath else {
                return inputs.map { RenderJob(source: $0, destination: nil) }
            }
            if inputs.count > 1 && !outputPath.hasSuffix("/") {
                if isDirectory(outputPath) {
                    return inputs.map { RenderJob(source: $0, destination: outputPath) }
                }
                throw .usage(
                    UsageError("-o \(outputPath): several inputs need an output directory"))
            }
            return inputs.map { RenderJob(source: $0, destination: outputPath) }
        }
    }
}
