/// The values a render sees: the process environment over the `--env-file`s (the process environment
/// wins, as in Compose; a later env file wins over an earlier one), optionally with `_FILE` secrets
/// resolved. `${N:=w}` assigns here for the rest of the render.
public struct Variables: Sendable {
    /// Every defined variable.
    public private(set) var values: [String: String]
    /// Names whose values came from `_FILE` secrets; with the PASSWORD/SECRET/TOKEN/KEY names these are
    /// never shown.
    public private(set) var secretNames: Set<String>

    /// The process environment only.
    public init(_ environment: [String: String]) {
        self.values = environment
        self.secretNames = []
    }

    /// Values whose `_FILE` secrets were resolved by the caller (the entrypoint, which chooses which
    /// `X_FILE` variables to resolve): `secretNames` are the names that came from files.
    public init(_ values: [String: String], secretNames: Set<String>) {
        self.values = values
        self.secretNames = secretNames
    }

    /// The process environment over `envFiles`, with the `_FILE` secrets `fileSecrets` covers
    /// resolved.
    public init(
        environment: [String: String], envFiles: [String] = [], fileSecrets: FileSecrets = .off
    ) throws(TemplaterError) {
        var merged: [String: String] = [:]
        for path in envFiles {
            let file = try EnvFile(path: path)
            for entry in file.entries {
                merged[entry.name] =
                    entry.interpolated
                    ? try Variables.interpolate(
                        entry, in: file.path, environment: environment, earlier: merged)
                    : entry.value
            }
        }
        for (name, value) in environment { merged[name] = value }
        self.values = merged
        self.secretNames = []
        if fileSecrets != .off {
            let resolved = try resolveFileSecrets(merged, covering: fileSecrets)
            self.values = resolved.environment
            self.secretNames = resolved.secretNames
        }
    }

    /// The value of `name`, nil when unset.
    public subscript(name: String) -> String? {
        values[name]
    }

    /// Sets `name` (for `${N:=w}`).
    public mutating func assign(_ name: String, _ value: String) {
        values[name] = value
    }

    /// Marks `name` secret for the rest of the render (a `${N:=w}` whose word holds a secret).
    public mutating func markSecret(_ name: String) {
        secretNames.insert(name)
    }

    /// Whether `name`'s value must never be shown.
    public func isSecret(_ name: String) -> Bool {
        secretNames.contains(name) || isSecretName(name)
    }

    /// Compose interpolation of an env-file value: the process environment first, then earlier lines;
    /// unset names become empty, as Compose substitutes them (with a warning of its own).
    private static func interpolate(
        _ entry: EnvFile.Entry, in path: String, environment: [String: String],
        earlier: [String: String]
    ) throws(TemplaterError) -> String {
        guard entry.value.utf8.contains(0x24) else { return entry.value }
        var scope = earlier
        for (name, value) in environment { scope[name] = value }
        var renderer = Renderer(policy: RenderPolicy(onUnset: .empty), variables: Variables(scope))
        let rendered = renderer.renderString(entry.value, path: path, origin: entry.position)
        if !renderer.diagnostics.isEmpty { throw .diagnostics(renderer.diagnostics) }
        return rendered
    }
}
