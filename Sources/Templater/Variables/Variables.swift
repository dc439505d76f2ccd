/// The values a render sees: the process environment over the `--env-file`s (the process environment
/// wins, as in Compose; a later env file wins over an earlier one), optionally with `_FILE` secrets
/// resolved. `${N:=w}` assigns here for the rest of the render.
///
/// Values are bytes, as the kernel hands them over in `environ` and as a `_FILE` secret holds them:
/// render mode copies them exactly, valid UTF-8 or not (a `String` would replace each invalid byte
/// with U+FFFD).
public struct Variables: Sendable {
    /// Every defined variable's value.
    public private(set) var bytes: [String: [UInt8]]
    /// Names whose values came from `_FILE` secrets; with the PASSWORD/SECRET/TOKEN/KEY names these are
    /// never shown.
    public private(set) var secretNames: Set<String>

    /// Every defined variable, as text (each invalid UTF-8 byte becomes U+FFFD): for callers that
    /// pass values on as `String`s.
    public var values: [String: String] {
        bytes.mapValues { String(decoding: $0, as: UTF8.self) }
    }

    /// The process environment only.
    public init(_ environment: [String: String]) {
        self.init(bytes: environment.mapValues { Array($0.utf8) })
    }

    /// The process environment only, as bytes (`Environment.current().bytes`).
    public init(bytes environment: [String: [UInt8]]) {
        self.bytes = environment
        self.secretNames = []
    }

    /// Values whose `_FILE` secrets were resolved by the caller (the entrypoint, which chooses which
    /// `X_FILE` variables to resolve): `secretNames` are the names that came from files.
    public init(_ values: [String: String], secretNames: Set<String>) {
        self.bytes = values.mapValues { Array($0.utf8) }
        self.secretNames = secretNames
    }

    /// Values as bytes whose `_FILE` secrets were resolved by the caller.
    public init(bytes values: [String: [UInt8]], secretNames: Set<String>) {
        self.bytes = values
        self.secretNames = secretNames
    }

    /// The process environment over `envFiles`, with the `_FILE` secrets `fileSecrets` covers
    /// resolved.
    public init(
        environment: [String: String], envFiles: [String] = [], fileSecrets: FileSecrets = .off
    ) throws(TemplaterError) {
        try self.init(
            bytes: environment.mapValues { Array($0.utf8) }, envFiles: envFiles,
            fileSecrets: fileSecrets)
    }

    /// The process environment as bytes over `envFiles`, with the `_FILE` secrets `fileSecrets`
    /// covers resolved.
    public init(
        bytes environment: [String: [UInt8]], envFiles: [String] = [],
        fileSecrets: FileSecrets = .off
    ) throws(TemplaterError) {
        var merged: [String: [UInt8]] = [:]
        for path in envFiles {
            let file = try EnvFile(path: path)
            for entry in file.entries {
                merged[entry.name] =
                    entry.interpolated
                    ? try Variables.interpolate(
                        entry, in: file.path, environment: environment, earlier: merged)
                    : entry.bytes
            }
        }
        for (name, value) in environment { merged[name] = value }
        self.bytes = merged
        self.secretNames = []
        if fileSecrets != .off {
            let resolved = try resolveFileSecrets(bytes: merged, covering: fileSecrets)
            self.bytes = resolved.environment
            self.secretNames = resolved.secretNames
        }
    }

    /// The value of `name`, nil when unset.
    public subscript(name: String) -> [UInt8]? {
        bytes[name]
    }

    /// Sets `name` (for `${N:=w}`).
    public mutating func assign(_ name: String, _ value: [UInt8]) {
        bytes[name] = value
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
        _ entry: EnvFile.Entry, in path: String, environment: [String: [UInt8]],
        earlier: [String: [UInt8]]
    ) throws(TemplaterError) -> [UInt8] {
        let value = entry.bytes
        guard value.contains(0x24) else { return value }
        var scope = earlier
        for (name, value) in environment { scope[name] = value }
        var renderer = Renderer(
            policy: RenderPolicy(onUnset: .empty), variables: Variables(bytes: scope))
        let rendered = try renderer.render(value, path: path, origin: entry.position)
        if !renderer.diagnostics.isEmpty { throw .diagnostics(renderer.diagnostics) }
        return rendered
    }
}
