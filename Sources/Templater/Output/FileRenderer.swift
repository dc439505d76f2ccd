import Platform

/// Renders planned template files into an `OutputTransaction`: each output into a temporary file
/// beside it, every destination validated before anything is replaced; stdout is streamed.
///
/// The caller commits the transaction (or the convenience `renderFiles` does): nothing on disk is
/// replaced here. Any error discards every temporary file and every directory the run created, so
/// existing outputs are byte-for-byte untouched.
struct FileRenderer {
    private var renderer: Renderer
    private let options: OutputOptions

    init(policy: RenderPolicy, variables: Variables, options: OutputOptions) {
        self.renderer = Renderer(policy: policy, variables: variables)
        self.options = options
    }

    /// Renders `jobs`: files into a new transaction (prepared, not committed), stdout at once.
    mutating func prepare(_ jobs: [RenderJob]) throws(TemplaterError) -> PreparedRender {
        let files = try TemplateTree.plan(jobs, suffix: options.suffix)
        let transaction = OutputTransaction(
            durable: options.durable, skipUnchanged: options.skipUnchanged)
        /// Each file's index in the transaction (nil: stdout).
        var staged: [(file: PlannedFile, index: Int?)] = []
        do throws(TemplaterError) {
            for file in files {
                if renderer.shouldStop { break }
                let input = try file.open()
                var templateMode: UInt32 = 0o644
                if file.source != "-" {
                    do {
                        templateMode = try fileStatus(file.source).permissions
                    } catch {
                        throw .input(path: file.source, error)
                    }
                }
                guard let destination = file.destination else {
                    // Streamed: constant memory. Nothing reaches stdout before the first buffer fills
                    // (`ByteOutput.bufferSize`), so a template of ordinary size that fails leaves stdout
                    // empty rather than half-written.
                    let output = ByteOutput(fd: 1, name: "<stdout>")
                    try renderer.render(input, to: output)
                    if !renderer.hasErrors {
                        do { try output.flush() } catch { throw .output(path: "<stdout>", error) }
                    }
                    staged.append((file, nil))
                    continue
                }
                let index = try transaction.stage(destination)
                let output = ByteOutput(fd: transaction.descriptor(of: index), name: destination)
                let secretsBefore = renderer.substitutedSecrets
                try renderer.render(input, to: output)
                let holdsSecret = renderer.substitutedSecrets > secretsBefore
                do { try output.flush() } catch { throw .output(path: destination, error) }
                staged.append((file, index))
                if renderer.hasErrors { continue }
                let mode =
                    options.mode ?? (holdsSecret ? templateMode & ~0o077 : templateMode)
                try transaction.seal(index, newFileMode: mode)
            }
            if renderer.hasErrors { throw .diagnostics(renderer.diagnostics) }
        } catch {
            try? transaction.rollback()
            throw error
        }
        let outputs = transaction.outputs
        let rendered = staged.map { file, index in
            RenderedFile(
                source: file.source, destination: file.destination ?? "-",
                changed: index.map { outputs[$0].changed } ?? true)
        }
        return PreparedRender(files: rendered, transaction: transaction)
    }
}
