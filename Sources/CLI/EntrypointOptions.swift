import Entrypoint
import Platform
import Templater
import WaitFor

/// The `entrypoint` command line and its `ENTRYPOINT_*` variables, resolved into a `Configuration`.
///
/// Every option can come from the environment (an image sets them with `ENV`, an operator overrides
/// them with `docker run -e`); a flag given on the command line wins over its variable. An empty
/// variable counts as unset, as `${X:-default}` does. A malformed value is a usage error naming the flag
/// or the variable (exit 64): it never silently becomes a default.
struct EntrypointOptions {
    /// What to do.
    var configuration = Configuration()
    /// How much to log.
    var logLevel = LogLevel.info
    /// `--help` was given.
    var help = false
    /// Lines to log at info level once logging is set up (e.g. why the nginx templates are skipped).
    var notes: [String] = []

    /// The variables, one per option; `ENTRYPOINT_HOOKS` holds one command per line, the lists
    /// (`ENTRYPOINT_TEMPLATES`, `ENTRYPOINT_WAIT`, `ENTRYPOINT_ENV_FILES`) are separated by commas or
    /// newlines.
    static let variables: [(flag: String, variable: String)] = [
        ("--template", "ENTRYPOINT_TEMPLATES"),
        ("--allow", "ENTRYPOINT_ALLOW"),
        ("--allow-prefix", "ENTRYPOINT_ALLOW_PREFIX"),
        ("--allow-regex", "ENTRYPOINT_ALLOW_REGEX"),
        ("--defined-only", "ENTRYPOINT_DEFINED_ONLY"),
        ("--braces-only", "ENTRYPOINT_BRACES_ONLY"),
        ("--unset", "ENTRYPOINT_UNSET"),
        ("--no-empty", "ENTRYPOINT_NO_EMPTY"),
        ("--fail-fast", "ENTRYPOINT_FAIL_FAST"),
        ("--env-file", "ENTRYPOINT_ENV_FILES"),
        ("--file-env", "ENTRYPOINT_FILE_ENV"),
        ("--suffix", "ENTRYPOINT_SUFFIX"),
        ("--mode", "ENTRYPOINT_MODE"),
        ("--wait", "ENTRYPOINT_WAIT"),
        ("--wait-timeout", "ENTRYPOINT_WAIT_TIMEOUT"),
        ("--hook", "ENTRYPOINT_HOOKS"),
        ("--hooks-dir", "ENTRYPOINT_HOOKS_DIR"),
        ("--hook-timeout", "ENTRYPOINT_HOOK_TIMEOUT"),
        ("--lock", "ENTRYPOINT_LOCK"),
        ("--user", "ENTRYPOINT_USER"),
        ("--init", "ENTRYPOINT_INIT"),
        ("--signal-group", "ENTRYPOINT_SIGNAL_GROUP"),
        ("--signal-map", "ENTRYPOINT_SIGNAL_MAP"),
        ("--stop-signal", "ENTRYPOINT_STOP_SIGNAL"),
        ("--stop-delay", "ENTRYPOINT_STOP_DELAY"),
        ("--stop-timeout", "ENTRYPOINT_STOP_TIMEOUT"),
        ("--dry-run", "ENTRYPOINT_DRY_RUN"),
        ("--watch", "ENTRYPOINT_WATCH"),
        ("--reload-check", "ENTRYPOINT_RELOAD_CHECK"),
        ("--reload-check-timeout", "ENTRYPOINT_RELOAD_CHECK_TIMEOUT"),
        ("--reload-signal", "ENTRYPOINT_RELOAD_SIGNAL"),
        ("--watch-debounce", "ENTRYPOINT_WATCH_DEBOUNCE"),
        ("--log-level", "ENTRYPOINT_LOG_LEVEL"),
        ("--secrets-dir", "ENTRYPOINT_SECRETS_DIR"),
    ]

    /// Parses `arguments` (without the program name) over `environment`.
    static func parse(_ arguments: [String], environment: [String: String]) throws(UsageError)
        -> EntrypointOptions
    {
        let flags = try readFlags(arguments)
        var options = EntrypointOptions()
        options.help = flags.help

        // Every option: the flag's values if given, else the variable's.
        func values(_ flag: String) -> (values: [String], origin: String)? {
            if let given = flags.values[flag] { return (given, flag) }
            guard let variable = variables.first(where: { $0.flag == flag })?.variable,
                let value = environment[variable], !value.isEmpty
            else { return nil }
            let items: [String]
            switch flag {
            case "--hook": items = hookLines(value)
            case "--template", "--wait", "--env-file", "--allow-prefix":
                items = value.unicodeScalars.split(whereSeparator: { $0 == "," || $0 == "\n" }).map
                {
                    String(String.UnicodeScalarView($0)).trimmedBlanks()
                }.filter { !$0.isEmpty }
            default: items = [value]
            }
            return (items, variable)
        }
        func single(_ flag: String) -> (value: String, origin: String)? {
            values(flag).flatMap { found in found.values.last.map { ($0, found.origin) } }
        }
        func boolean(_ flag: String) throws(UsageError) -> Bool {
            if flags.switches.contains(flag) { return true }
            guard let (value, origin) = single(flag) else { return false }
            return try parseBoolean(value, origin: origin)
        }
        func duration(_ flag: String) throws(UsageError) -> UInt64? {
            guard let (value, origin) = single(flag) else { return nil }
            do {
                return try DurationFormat.parse(value)
            } catch {
                throw UsageError("\(origin): \(error)")
            }
        }

        var configuration = Configuration()
        configuration.command = flags.command
        do throws(EntrypointError) {
            if let (items, origin) = values("--template") {
                for item in items {
                    configuration.templates.append(try TemplateSpec(parsing: item, origin: origin))
                }
            }
            if let (value, origin) = single("--user") {
                configuration.user = try UserSpec(parsing: value, source: origin)
            }
            if let (items, origin) = values("--hook") {
                for item in items {
                    do throws(ShellWordsError) {
                        configuration.hooks.append(try Hook(command: item))
                    } catch {
                        throw .usage("\(origin): '\(item)': \(error.message)")
                    }
                }
            }
        } catch {
            throw UsageError(error.description)
        }

        // The selection and the render policy. Names and expressions are checked here, where it is
        // known whether they came from the flag or its variable, so that the message names that one.
        var names: [String] = []
        if let (items, origin) = values("--allow") {
            names = items.flatMap { Selection.parseList($0) }
            // Empty, it would select every name (no selection): refused, as `templater --allow`.
            if names.isEmpty {
                throw UsageError(
                    "\(origin): '\(items.joined(separator: " "))' names no variable"
                        + " (leave \(origin) out to select every name)")
            }
            for name in names where !isValidName(name) {
                throw UsageError("\(origin): '\(name)' is not a variable name")
            }
        }
        let prefixes = values("--allow-prefix")?.values ?? []
        var regexes: [String] = []
        if let (items, origin) = values("--allow-regex") {
            for pattern in items {
                try checkRegex(pattern, origin: origin)
            }
            regexes = items
        }
        let definedOnly = try boolean("--defined-only")
        var policy = RenderPolicy()
        do {
            policy.selection = try Selection(
                names: names, prefixes: prefixes, regexes: regexes, definedOnly: definedOnly)
        } catch {
            throw UsageError(error.description)
        }
        if let (value, origin) = single("--unset") {
            guard let unset = UnsetPolicy(rawValue: value) else {
                throw UsageError("\(origin): '\(value)' is not one of error, empty, keep")
            }
            policy.onUnset = unset
        }
        policy.treatEmptyAsUnset = try boolean("--no-empty")
        policy.bracesOnly = try boolean("--braces-only")
        policy.failFast = try boolean("--fail-fast")
        configuration.policy = policy

        configuration.envFiles = values("--env-file")?.values ?? []
        if flags.switches.contains("--no-file-env") {
            configuration.fileSecrets = .off
        } else if let (value, origin) = single("--file-env") {
            configuration.fileSecrets = try parseFileSecrets(value, origin: origin)
        }
        configuration.secretsDirectory = single("--secrets-dir")?.value
        if let (value, _) = single("--suffix") { configuration.suffix = value }
        if let (value, origin) = single("--mode") {
            guard let mode = UInt32(value, radix: 8), mode <= 0o7777 else {
                throw UsageError("\(origin): '\(value)' is not an octal file mode (e.g. 0644)")
            }
            configuration.mode = mode
        }

        if let (items, origin) = values("--wait") {
            for item in items {
                configuration.waitTargets += try waitTargets(item, origin: origin)
            }
        }
        if let timeout = try duration("--wait-timeout") {
            configuration.waitTimeout = timeout == 0 ? nil : timeout
        }
        configuration.hooksDirectory = single("--hooks-dir")?.value
        configuration.hookTimeout = try duration("--hook-timeout").flatMap { $0 == 0 ? nil : $0 }
        configuration.lockPath = single("--lock")?.value
        configuration.initMode = try boolean("--init")
        configuration.stop = try stopProfile(single: single, boolean: boolean, duration: duration)
        let stopOptions = ["--signal-map", "--stop-signal", "--stop-delay", "--stop-timeout"]
        if configuration.stop.signalGroup || stopOptions.contains(where: { single($0) != nil }) {
            configuration.initMode = true
        }
        configuration.dryRun = try boolean("--dry-run")
        try parseWatchOptions(
            into: &configuration, boolean: boolean, single: single, duration: duration)

        // `--quiet` is the flag form of `--log-level warning`: it beats ENTRYPOINT_LOG_LEVEL (flags
        // win), and an explicit --log-level beats it.
        if flags.switches.contains("--quiet") && flags.values["--log-level"] == nil {
            options.logLevel = .warning
        } else if let (value, origin) = single("--log-level") {
            guard let level = LogLevel(name: value) else {
                throw UsageError("\(origin): '\(value)' is not one of error, warning, info, debug")
            }
            options.logLevel = level
        }

        // The nginx image's /docker-entrypoint.d/ sequence replaces the NGINX_ENVSUBST_* render
        // below: its templates step reads those variables when it runs.
        // ENTRYPOINT_NGINX_ROOT: the directory the image's paths are below (tests, offline renders).
        let nginxRoot = environment["ENTRYPOINT_NGINX_ROOT"] ?? ""
        if NginxEntrypoint.applies(to: flags.command, root: nginxRoot) {
            configuration.nginx = NginxEntrypoint(
                root: nginxRoot, policy: policy,
                selectionGiven: !names.isEmpty || !prefixes.isEmpty || !regexes.isEmpty
                    || definedOnly)
            let quiet = !(environment["NGINX_ENTRYPOINT_QUIET_LOGS"] ?? "").isEmpty
            if quiet && !flags.switches.contains("--quiet") && single("--log-level") == nil {
                options.logLevel = .warning
            }
        }
        if configuration.templates.isEmpty && configuration.nginx == nil {
            try applyNginxVariables(
                environment, to: &configuration,
                selectionGiven: !names.isEmpty || !prefixes.isEmpty
                    || !regexes.isEmpty || definedOnly, notes: &options.notes)
        }
        options.configuration = configuration
        return options
    }

    // MARK: - Stop profile

    /// `--signal-group`, `--signal-map`, `--stop-signal`, `--stop-delay`, `--stop-timeout` (and their
    /// variables), read through `parse`'s own accessors so that flags win over variables the same way.
    static func stopProfile(
        single: (String) -> (value: String, origin: String)?,
        boolean: (String) throws(UsageError) -> Bool,
        duration: (String) throws(UsageError) -> UInt64?
    ) throws(UsageError) -> StopProfile {
        var profile = StopProfile()
        profile.signalGroup = try boolean("--signal-group")
        if let (value, origin) = single("--signal-map") {
            do {
                profile.signalMap = try SignalMap(parsing: value)
            } catch {
                throw UsageError("\(origin): \(error)")
            }
        }
        if let (value, origin) = single("--stop-signal") {
            do {
                profile.stopSignal = try SignalMap.forwardable(value)
            } catch {
                throw UsageError("\(origin): \(error)")
            }
        }
        profile.stopDelay = try duration("--stop-delay") ?? 0
        // 0 means no timeout, as for --wait-timeout and --hook-timeout.
        profile.stopTimeout = try duration("--stop-timeout").flatMap { $0 == 0 ? nil : $0 }
        return profile
    }

    // MARK: - Flags

    /// What the command line itself says: flag values in order, switches, the command.
    private struct Flags {
        var values: [String: [String]] = [:]
        var switches: Set<String> = []
        var command: [String] = []
        var help = false
    }

    private static let valueFlags: Set<String> = [
        "--template", "--allow", "--allow-prefix", "--allow-regex", "--unset", "--env-file",
        "--suffix", "--mode", "--wait", "--wait-timeout", "--hook", "--hooks-dir", "--hook-timeout",
        "--lock", "--user", "--log-level", "--secrets-dir",
        "--signal-map", "--stop-signal", "--stop-delay", "--stop-timeout",
        "--reload-check", "--reload-check-timeout", "--reload-signal", "--watch-debounce",
    ]
    private static let switchFlags: Set<String> = [
        "--defined-only", "--braces-only", "--no-empty", "--fail-fast", "--no-file-env", "--init",
        "--dry-run", "--quiet",
        "--signal-group",
        "--watch",
    ]

    private static func readFlags(_ arguments: [String]) throws(UsageError) -> Flags {
        var reader = ArgumentReader(arguments, stopAtFirstOperand: true)
        var flags = Flags()
        while let argument = reader.next() {
            switch argument {
            case .terminator:
                flags.command = reader.remaining
                return flags
            case .operand(let operand):
                flags.command = [operand] + reader.remaining
                return flags
            case .flag(let name, let inline):
                if name == "-h" || name == "--help" {
                    flags.help = true
                } else if name == "--file-env" {
                    // `--file-env` alone is the default (secret-looking names); `=all`, `=LIST`.
                    flags.values[name, default: []].append(inline ?? "auto")
                } else if valueFlags.contains(name) {
                    flags.values[name, default: []].append(
                        try reader.value(of: name, inline: inline))
                } else if switchFlags.contains(name) {
                    guard inline == nil else { throw UsageError("\(name) takes no value") }
                    flags.switches.insert(name)
                } else {
                    throw UsageError("unknown option \(name) (see entrypoint --help)")
                }
            }
        }
        return flags
    }

    // MARK: - Values

    /// `ENTRYPOINT_HOOKS`: one command per line; blank lines and `#` comment lines are skipped, and a
    /// line ending in `\` continues on the next.
    static func hookLines(_ text: String) -> [String] {
        var result: [String] = []
        var pending = ""
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        for scalars in lines {
            var line = String(String.UnicodeScalarView(scalars))
            if line.hasSuffix("\r") { line.removeLast() }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            let whole = (pending + line).trimmedBlanks()
            pending = ""
            if whole.isEmpty || whole.hasPrefix("#") { continue }
            result.append(whole)
        }
        let rest = pending.trimmedBlanks()
        if !rest.isEmpty { result.append(rest) }
        return result
    }

    /// `1`, `true`, `yes`, `on` and `0`, `false`, `no`, `off` (any case).
    static func parseBoolean(_ value: String, origin: String) throws(UsageError) -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            throw UsageError("\(origin): '\(value)' is not a boolean (1/0, true/false, yes/no)")
        }
    }

    /// `auto` (or a true boolean), `all`, `off` (or a false boolean), or a list of names: the parser
    /// `templater --file-env` shares (`FileSecrets(parsing:origin:)`).
    static func parseFileSecrets(_ value: String, origin: String) throws(UsageError) -> FileSecrets
    {
        do {
            return try FileSecrets(parsing: value, origin: origin)
        } catch {
            throw UsageError(error.description)
        }
    }

    /// Throws a usage error naming `origin` (`--allow-regex`, `ENTRYPOINT_ALLOW_REGEX`,
    /// `NGINX_ENVSUBST_FILTER`) when `pattern` is not a POSIX ERE; the reason is regcomp's.
    static func checkRegex(_ pattern: String, origin: String) throws(UsageError) {
        do {
            _ = try Selection(regexes: [pattern])
        } catch {
            // Selection names the flag; put the origin in its place.
            let flagged = "--allow-regex '\(pattern)': "
            let message = error.description
            let reason =
                message.hasPrefix(flagged) ? String(message.dropFirst(flagged.count)) : message
            throw UsageError("\(origin) '\(pattern)': \(reason)")
        }
    }

    /// The targets in `text` (one, or several separated by commas or blanks), parsed by WaitFor.
    static func waitTargets(_ text: String, origin: String) throws(UsageError) -> [Target] {
        do {
            return try Target.list(parsing: text)
        } catch {
            throw UsageError("\(origin): \(error)")
        }
    }

    // MARK: - nginx

    /// The official nginx image's `20-envsubst-on-templates.sh` settings, honoured when any of them is
    /// set and no `--template`/`ENTRYPOINT_TEMPLATES` is given: every `*SUFFIX` file under
    /// `NGINX_ENVSUBST_TEMPLATE_DIR` (default `/etc/nginx/templates`) rendered to
    /// `NGINX_ENVSUBST_OUTPUT_DIR` (default `/etc/nginx/conf.d`), substituting only variables that
    /// are defined and whose names match `NGINX_ENVSUBST_FILTER` (an unanchored ERE, as the script's
    /// `awk` match), unless a selection is given explicitly. A missing template directory is skipped,
    /// as the script does.
    static func applyNginxVariables(
        _ environment: [String: String], to configuration: inout Configuration,
        selectionGiven: Bool,
        notes: inout [String]
    ) throws(UsageError) {
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        let names = [
            "NGINX_ENVSUBST_TEMPLATE_DIR", "NGINX_ENVSUBST_TEMPLATE_SUFFIX",
            "NGINX_ENVSUBST_OUTPUT_DIR", "NGINX_ENVSUBST_FILTER",
        ]
        guard names.contains(where: { value($0) != nil }) else { return }
        let directory = value("NGINX_ENVSUBST_TEMPLATE_DIR") ?? "/etc/nginx/templates"
        guard isDirectory(directory) else {
            notes.append(
                "NGINX_ENVSUBST_TEMPLATE_DIR: \(directory) is not a directory; no templates")
            return
        }
        let output = value("NGINX_ENVSUBST_OUTPUT_DIR") ?? "/etc/nginx/conf.d"
        configuration.templates = [TemplateSpec(source: directory, destination: output)]
        configuration.templatesFromNginx = true
        configuration.suffix = value("NGINX_ENVSUBST_TEMPLATE_SUFFIX") ?? ".template"
        guard !selectionGiven else { return }
        let filter = value("NGINX_ENVSUBST_FILTER").map { [$0] } ?? []
        for pattern in filter { try checkRegex(pattern, origin: "NGINX_ENVSUBST_FILTER") }
        do {
            configuration.policy.selection = try Selection(regexes: filter, definedOnly: true)
        } catch {
            throw UsageError("NGINX_ENVSUBST_FILTER: \(error)")
        }
    }
}

extension String {
    /// The text without leading and trailing blanks.
    func trimmedBlanks() -> String {
        let blanks: Set<Character> = [" ", "\t", "\n", "\r"]
        guard let first = firstIndex(where: { !blanks.contains($0) }),
            let last = lastIndex(where: { !blanks.contains($0) })
        else { return "" }
        return String(self[first...last])
    }
}
