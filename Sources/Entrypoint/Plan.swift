import Platform
import Templater
import WaitFor

/// What `--dry-run` prints: every phase with what it would do, secret values redacted, nothing done.
struct Plan {
    var configuration: Configuration
    /// The environment after the secrets phase.
    var environment: Environment
    /// The `_FILE` secrets: which name came from which file.
    var secrets: [(name: String, path: String)]
    var hooks: [Hook]
    var user: ResolvedUser?
    /// Redacts secret values in the hooks and the command (`Log.redact(words:)`).
    var log: Log

    /// The plan as lines of text, ending with a newline.
    func text() -> String {
        var lines = ["dry run: nothing is rendered, awaited, run or executed"]
        let secretNames = Set(secrets.map(\.name))

        switch configuration.fileSecrets {
        case .off: lines.append("secrets: _FILE variables are not read (--no-file-env)")
        case .auto, .all, .only:
            lines.append("secrets:" + (secrets.isEmpty ? " none" : ""))
            for secret in secrets { lines.append("  \(secret.name) from \(secret.path)") }
        }

        let origin = configuration.templatesFromNginx ? " (from NGINX_ENVSUBST_*)" : ""
        lines.append("templates\(origin):" + (configuration.templates.isEmpty ? " none" : ""))
        for template in configuration.templates { lines.append("  \(template)") }
        if !configuration.templates.isEmpty {
            lines.append("selection: \(describe(configuration.policy))")
            lines.append("variables:")
            for (name, value) in selectedVariables() {
                let shown =
                    value.map {
                        secretNames.contains(name) || isSecretName(name) ? "<redacted>" : $0
                    }
                    ?? "(unset)"
                lines.append("  \(name)=\(shown)")
            }
        }

        if let nginx = configuration.nginx {
            lines.append("nginx \(NginxEntrypoint.directory)/ (after the templates):")
            for (path, step) in (try? nginx.steps()) ?? [] {
                lines.append("  \(path)" + (step == .file(path) ? "" : " (built in)"))
            }
        }

        let timeout = configuration.waitTimeout.map(DurationFormat.format) ?? "none"
        lines.append(
            "wait" + (configuration.waitTargets.isEmpty ? ": none" : " (timeout \(timeout)):"))
        for target in configuration.waitTargets { lines.append("  \(target)") }

        var hookDetails: [String] = []
        if let timeout = configuration.hookTimeout {
            hookDetails.append("timeout \(DurationFormat.format(timeout))")
        }
        if let lock = configuration.lockPath { hookDetails.append("lock \(lock)") }
        let details = hookDetails.isEmpty ? "" : " (\(hookDetails.joined(separator: ", ")))"
        lines.append("hooks" + (hooks.isEmpty ? ": none" : "\(details):"))
        for (index, hook) in hooks.enumerated() {
            lines.append("  \(index + 1). \(shellQuoted(log.redact(words: hook.arguments)))")
        }

        lines.append("user: " + (user.map(\.description) ?? "unchanged"))
        lines += watchLines()
        let mode =
            configuration.initMode ? " (init mode: supervised as a child)" : " (exec in place)"
        lines.append("command: \(shellQuoted(log.redact(words: configuration.command)))\(mode)")
        if configuration.initMode && !configuration.stop.isPlain {
            lines.append("stop: \(configuration.stop.summary)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The variables the selection takes, with their values (nil when unset): every defined name the
    /// selection matches, and the `--allow` names that are not defined.
    private func selectedVariables() -> [(String, String?)] {
        let selection = configuration.policy.selection
        var result: [(String, String?)] = environment.names.sorted().filter {
            selection.selects($0, isDefined: true)
        }.map { ($0, environment[$0]) }
        for name in selection.names.sorted() where environment[name] == nil {
            result.append((name, nil))
        }
        return result
    }

    private func describe(_ policy: RenderPolicy) -> String {
        let selection = policy.selection
        var parts: [String] = []
        if !selection.names.isEmpty {
            parts.append("--allow " + selection.names.sorted().joined(separator: ","))
        }
        for prefix in selection.prefixes { parts.append("--allow-prefix \(shellQuoted([prefix]))") }
        for regex in selection.regexes { parts.append("--allow-regex \(shellQuoted([regex]))") }
        if !selection.isRestricted { parts.append("every variable") }
        if selection.definedOnly { parts.append("--defined-only") }
        if policy.bracesOnly { parts.append("--braces-only") }
        if policy.treatEmptyAsUnset { parts.append("--no-empty") }
        parts.append("--unset \(policy.onUnset.rawValue)")
        return parts.joined(separator: " ")
    }
}
