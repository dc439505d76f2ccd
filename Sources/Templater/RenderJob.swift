import Platform

/// One thing to render: a template file (or `-` for stdin) or a directory of templates, and where to.
public struct RenderJob: Equatable, Sendable {
    /// A template file, a directory of templates, or `-` for stdin.
    public var source: String
    /// A file, or a directory when `source` is a directory (or an existing directory for a file); nil
    /// for stdout.
    public var destination: String?

    /// Creates a job.
    public init(source: String, destination: String?) {
        self.source = source
        self.destination = destination
    }
}

/// How outputs are named and created.
public struct OutputOptions: Sendable {
    /// Templates in directories are the files ending with this; it is stripped from the output's name.
    public var suffix: String
    /// The mode of new outputs (`--mode`); nil: the template's, without group and other access when the
    /// output holds a secret. An existing output keeps its mode and owner.
    public var mode: mode_t?
    /// `fsync` each output before it is renamed into place, so that it survives a power loss as a
    /// whole. The rename alone already makes each output appear whole to every reader.
    public var durable: Bool

    /// Creates options; the default suffix is `.template`, as the official nginx image uses.
    public init(suffix: String = ".template", mode: mode_t? = nil, durable: Bool = true) {
        self.suffix = suffix
        self.mode = mode
        self.durable = durable
    }
}

/// A rendered output, for the log line `rendered SOURCE -> DESTINATION`.
public struct RenderedFile: Equatable, Sendable {
    /// The template's path (`-` for stdin).
    public var source: String
    /// The output's path (`-` for stdout).
    public var destination: String
}

/// Renders every job, all or nothing: each output is written to a temporary file beside it and renamed
/// over it only when every template rendered without error; otherwise every existing output is
/// untouched. Diagnostics of all templates are reported together (unless `policy.failFast`).
public func renderFiles(
    _ jobs: [RenderJob], policy: RenderPolicy, variables: Variables,
    options: OutputOptions = OutputOptions()
) throws(TemplaterError) -> [RenderedFile] {
    var renderer = FileRenderer(policy: policy, variables: variables, options: options)
    return try renderer.render(jobs)
}
