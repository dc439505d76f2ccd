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
    public var mode: UInt32?
    /// `fsync` each output before it is renamed into place, so that it survives a power loss as a
    /// whole. The rename alone already makes each output appear whole to every reader.
    public var durable: Bool
    /// Leave an output whose new bytes equal the existing file's untouched (not rewritten: same
    /// inode, same times), as a watcher wants; `RenderedFile.changed` tells which.
    public var skipUnchanged: Bool

    /// Creates options; the default suffix is `.template`, as the official nginx image uses.
    public init(
        suffix: String = ".template", mode: UInt32? = nil, durable: Bool = true,
        skipUnchanged: Bool = false
    ) {
        self.suffix = suffix
        self.mode = mode
        self.durable = durable
        self.skipUnchanged = skipUnchanged
    }
}

/// A rendered output, for the log line `rendered SOURCE -> DESTINATION`.
public struct RenderedFile: Equatable, Sendable {
    /// The template's path (`-` for stdin).
    public var source: String
    /// The output's path (`-` for stdout).
    public var destination: String
    /// Whether the output's bytes differ from the file it replaces (true for a new file and for
    /// stdout).
    public var changed: Bool = true
}

/// A render whose files are written but not yet in place: `transaction` holds them, ready for
/// `commit()` (or `rollback()`); stdout outputs were already streamed.
public struct PreparedRender {
    /// Every rendered template, in order, with whether its output changed.
    public var files: [RenderedFile]
    /// The outputs, staged and sealed: commit it, then finish or roll back.
    public let transaction: OutputTransaction
}

/// Renders every job into temporary files beside their outputs and returns the prepared
/// transaction, without replacing anything: the first phase of a two-phase commit. Every
/// destination is validated and every template rendered first; diagnostics of all templates are
/// reported together (unless `policy.failFast`), and on any error nothing is left on disk.
///
/// For a watcher: render with `OutputOptions(skipUnchanged: true)`, commit when some file
/// `changed`, run the server's check, then `finish()` or `rollback()` (see `OutputTransaction`).
public func prepareRender(
    _ jobs: [RenderJob], policy: RenderPolicy, variables: Variables,
    options: OutputOptions = OutputOptions()
) throws(TemplaterError) -> PreparedRender {
    var renderer = FileRenderer(policy: policy, variables: variables, options: options)
    return try renderer.prepare(jobs)
}

/// Renders every job, all or nothing: `prepareRender`, then the commit (each output renamed over its
/// file; a failure in the middle puts back those already renamed), then `finish()`. On any error
/// every existing output is as it was, and the error says so truthfully.
public func renderFiles(
    _ jobs: [RenderJob], policy: RenderPolicy, variables: Variables,
    options: OutputOptions = OutputOptions()
) throws(TemplaterError) -> [RenderedFile] {
    let prepared = try prepareRender(jobs, policy: policy, variables: variables, options: options)
    try prepared.transaction.commit()
    prepared.transaction.finish()
    return prepared.files
}
