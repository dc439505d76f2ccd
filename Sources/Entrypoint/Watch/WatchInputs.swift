/// Everything the render phase read, which `--watch` watches: the `--template` sources (files and
/// directories), the `--env-file`s and the `_FILE` secret files.
public struct WatchInputs: Equatable, Sendable {
    /// The `--template` sources, in order.
    public var templates: [String]
    /// What marks a template in a directory (`--suffix`).
    public var suffix: String
    /// The `--env-file`s, in order.
    public var envFiles: [String]
    /// The files the `_FILE` secrets were read from.
    public var secretFiles: [String]

    /// Inputs from their parts.
    public init(templates: [String], suffix: String, envFiles: [String], secretFiles: [String]) {
        self.templates = templates
        self.suffix = suffix
        self.envFiles = envFiles
        self.secretFiles = secretFiles
    }

    /// `3 inputs: templates /etc/nginx/templates; env file /run/app.env; secret /run/secrets/db`,
    /// for the start-up line and the dry run.
    public var summary: [String] {
        templates.map { "template \($0)" } + envFiles.map { "env file \($0)" }
            + secretFiles.map { "secret file \($0)" }
    }
}
