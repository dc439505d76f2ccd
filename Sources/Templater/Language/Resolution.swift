/// What a name resolves to under the render policy (render mode's entry in a `NameTable` slot).
enum Resolution {
    /// Not selected: the reference is copied verbatim.
    case notSelected
    /// Selected and set: its value is substituted; `secret` when the name marks it secret.
    case value(secret: Bool)
    /// Selected and unset (or empty under `--no-empty`): the unset policy decides.
    case unset
}
