/// `templater check`: the CI lint. Renders every template without writing anything and reports syntax
/// errors and unset variables without defaults (errors), plus (warnings) references the selection leaves
/// verbatim, allowed names never used, and names written both `$X` and `${X}`.
public enum Checker {
    /// Every finding for `sources` (files, directories, `-`), errors first in template order, then
    /// warnings. Unreadable inputs are thrown.
    public static func check(
        _ sources: [String], policy: RenderPolicy, variables: Variables,
        suffix: String = ".template"
    ) throws(TemplaterError) -> [Diagnostic] {
        var policy = policy
        policy.failFast = false
        let files = try TemplateTree.plan(
            sources.map { RenderJob(source: $0, destination: nil) }, suffix: suffix, outputs: false)
        var renderer = Renderer(policy: policy, variables: variables)
        renderer.trackUsage = true
        for file in files {
            try renderer.render(try file.open(), to: ByteOutput.discard())
        }
        return renderer.diagnostics + warnings(renderer.usage, policy: policy)
    }

    private static func warnings(_ usage: Usage, policy: RenderPolicy) -> [Diagnostic] {
        var result: [Diagnostic] = []
        for (name, use) in usage.names {
            if !use.selected {
                let written = use.firstBraced == use.first ? "${\(name)}" : "$\(name)"
                result.append(
                    Diagnostic(
                        .warning, at: use.first,
                        "\(written) is not selected and is copied verbatim",
                        notes: ["add it to --allow if it should be substituted"]))
            } else if let bare = use.firstBare, let braced = use.firstBraced {
                result.append(
                    Diagnostic(
                        .warning, at: bare,
                        "\(name) is written both as $\(name) and as ${\(name)} (at \(braced))",
                        notes: [
                            "write ${\(name)} everywhere: with --braces-only a bare $\(name) is left as is"
                        ]))
            }
        }
        for name in policy.selection.names.sorted() where usage.names[name] == nil {
            result.append(
                Diagnostic(.warning, at: nil, "--allow \(name): never referenced by the templates"))
        }
        return result.sorted { lhs, rhs in
            guard let left = lhs.location else { return false }
            guard let right = rhs.location else { return true }
            return (left.path, left.line, left.column) < (right.path, right.line, right.column)
        }
    }
}
