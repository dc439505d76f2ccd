import Platform

extension Plan {
    /// The dry run's watch section: what is watched, through which directories, and what a change
    /// leads to. Empty without `--watch`.
    func watchLines() -> [String] {
        guard configuration.watch else { return [] }
        guard !configuration.templates.isEmpty else {
            return ["watch: no --template to render again; not watching"]
        }
        let inputs = WatchInputs(
            templates: configuration.templates.map(\.source).filter { $0 != "-" },
            suffix: configuration.suffix, envFiles: configuration.envFiles,
            secretFiles: secrets.map(\.path))
        var lines = ["watch (after the command started; inotify, no polling):"]
        for input in log.redact(words: inputs.summary) { lines.append("  \(input)") }
        for directory in WatchPlan(inputs).directories {
            var matters: [String] = []
            if let suffix = directory.filter.templateSuffix {
                matters.append(suffix.isEmpty ? "every file" : "*\(suffix)")
                matters.append("subdirectories")
            }
            matters += directory.filter.names.sorted()
            matters.append("..data")
            lines.append(
                "  in \(log.redact(command: directory.path)): "
                    + log.redact(words: matters).joined(separator: ", "))
        }
        let debounce = formatSeconds(Double(configuration.watchDebounce) / 1e9)
        let signal = signalName(configuration.reloadSignal)
        let check =
            configuration.reloadCheck.map {
                "check '\(log.redact(command: $0.command.name))' "
                    + "(timeout \(formatSeconds(Double($0.timeout) / 1e9)))"
            } ?? "no check"
        lines.append(
            "reload: \(debounce) after the last change: render all, \(check), then \(signal) "
                + "to the command; a failure restores the previous files and signals nothing")
        return lines
    }
}
