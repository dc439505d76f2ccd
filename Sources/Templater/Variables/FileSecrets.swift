/// Which `X_FILE` variables supply `X` (docker-library `file_env`): `--file-env[=WHICH]` of both
/// `templater` and `entrypoint`, with one parser and one meaning.
///
/// Resolving `X_FILE` reads the file into `X` and removes `X_FILE`; an unreadable file stops the run
/// (66). Because other tools use the `_FILE` suffix for their own paths (`SSL_CERT_FILE`,
/// `TF_CLI_CONFIG_FILE`, a `LOG_FILE` not yet created, and Kubernetes' `AWS_WEB_IDENTITY_TOKEN_FILE`,
/// which the AWS SDKs must find as it is), `--file-env` alone only takes names that look like
/// secrets.
public enum FileSecrets: Equatable, Sendable {
    /// None: `X_FILE` variables are passed on untouched (`--no-file-env`, `--file-env=off`).
    case off
    /// `X_FILE` where `X` contains PASSWORD, PASSWD, SECRET, TOKEN or KEY (the names whose values are
    /// never shown), except the AWS SDKs' own `AWS_*_FILE` variables: `--file-env` alone, the
    /// entrypoint's default.
    case auto
    /// Every `X_FILE` (`--file-env=all`).
    case all
    /// Only these `X` names (`--file-env=DB_PASSWORD,POSTGRES_USER`).
    case only(Set<String>)

    /// Parses the value of `--file-env=WHICH` (or its variable, `origin` in the message): `auto`
    /// (or a true boolean), `all`, `off`/`none` (or a false boolean), or a list of names separated by
    /// commas or blanks, each with or without its `_FILE` suffix. A usage error (64) names `origin`.
    public init(parsing value: String, origin: String) throws(TemplaterError) {
        switch value.lowercased() {
        case "auto", "1", "true", "yes", "on": self = .auto
        case "all": self = .all
        case "off", "none", "0", "false", "no": self = .off
        default:
            let names = Selection.parseList(value).map {
                $0.hasSuffix("_FILE") ? String($0.dropLast(5)) : $0
            }
            if names.isEmpty { throw .usage("\(origin): '\(value)' names no variable") }
            for name in names where !isValidName(name) {
                throw .usage("\(origin): '\(name)' is not a variable name")
            }
            self = .only(Set(names))
        }
    }

    /// Whether `X_FILE` supplies `X` for `name` = X.
    public func covers(_ name: String) -> Bool {
        switch self {
        case .off: return false
        case .auto: return isSecretName(name) && !name.hasPrefix("AWS_")
        case .all: return true
        case .only(let names): return names.contains(name)
        }
    }
}
