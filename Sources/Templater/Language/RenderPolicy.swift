/// What to do with a selected reference to an unset variable (`--unset`).
public enum UnsetPolicy: String, Sendable, CaseIterable {
    /// Report `variable X is not set` (the default).
    case error
    /// Substitute the empty string, as bash does.
    case empty
    /// Leave the reference's text as it is.
    case keep
}

/// Every rendering choice in one value; each command-line flag maps to one field.
public struct RenderPolicy: Sendable {
    /// Which names are substituted (`--allow`, `--allow-prefix`, `--allow-regex`, `--defined-only`).
    public var selection: Selection
    /// What an unset selected variable does (`--unset`).
    public var onUnset: UnsetPolicy
    /// Treat empty values like unset ones (`--no-empty`).
    public var treatEmptyAsUnset: Bool
    /// A bare `$NAME` is never a reference; only `${NAME}` is (`--braces-only`): nginx's `$host` stays.
    public var bracesOnly: Bool
    /// Stop at the first error instead of reporting all of them (`--fail-fast`).
    public var failFast: Bool

    /// Creates a policy; the defaults are the toolkit's: everything selected, unset is an error.
    public init(
        selection: Selection = .all, onUnset: UnsetPolicy = .error, treatEmptyAsUnset: Bool = false,
        bracesOnly: Bool = false, failFast: Bool = false
    ) {
        self.selection = selection
        self.onUnset = onUnset
        self.treatEmptyAsUnset = treatEmptyAsUnset
        self.bracesOnly = bracesOnly
        self.failFast = failFast
    }
}
