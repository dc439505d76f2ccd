import Templater

/// Which `X_FILE` variables supply `X` (docker-library `file_env`): the secrets phase.
///
/// Resolving `X_FILE` reads the file into `X` and removes `X_FILE`; an unreadable file stops
/// start-up (66). Because other tools use the `_FILE` suffix for their own paths (`SSL_CERT_FILE`,
/// `TF_CLI_CONFIG_FILE`, a `LOG_FILE` not yet created, and Kubernetes' `AWS_WEB_IDENTITY_TOKEN_FILE`,
/// which the AWS SDKs must find as it is), the default only takes names that look like secrets.
public enum FileSecrets: Equatable, Sendable {
    /// None: `X_FILE` variables are passed on untouched (`--no-file-env`).
    case off
    /// The default: `X_FILE` where `X` contains PASSWORD, PASSWD, SECRET, TOKEN or KEY (the names
    /// whose values are never shown), except the AWS SDKs' own `AWS_*_FILE` variables.
    case auto
    /// Every `X_FILE` (`--file-env=all`).
    case all
    /// Only these `X` names (`--file-env=DB_PASSWORD,POSTGRES_USER`).
    case only(Set<String>)

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
