import Platform

/// Renders planned template files into their outputs atomically and all-or-nothing.
///
/// Each output is rendered into a temporary file in its own directory (so the final `rename(2)` is
/// atomic), synced, given its mode and owner, and renamed over the output only after every template of
/// the run rendered without error. Any error removes every temporary file and every directory the run
/// created, so existing outputs are byte-for-byte untouched.
struct FileRenderer {
    private var renderer: Renderer
    private let options: OutputOptions

    /// An output rendered into its temporary file, waiting for the commit.
    private struct Pending {
        var source: String
        var destination: String
        var target: String
        var temporary: String
        var fd: Int32
        var templateMode: mode_t
        var holdsSecret: Bool
    }

    init(policy: RenderPolicy, variables: Variables, options: OutputOptions) {
        self.renderer = Renderer(policy: policy, variables: variables)
        self.options = options
    }

    mutating func render(_ jobs: [RenderJob]) throws(TemplaterError) -> [RenderedFile] {
        let files = try TemplateTree.plan(jobs, suffix: options.suffix)
        var pending: [Pending] = []
        var createdDirectories: [String] = []
        func abandon() {
            for output in pending {
                closeFile(output.fd)
                removeFile(output.temporary)
            }
            for directory in createdDirectories.reversed() { removeDirectory(directory) }
        }
        var rendered: [RenderedFile] = []
        do throws(TemplaterError) {
            for file in files {
                if renderer.shouldStop { break }
                let input = try file.open()
                var templateMode: mode_t = 0o644
                if file.source != "-" {
                    do {
                        templateMode = try fileStatus(file.source).st_mode & 0o7777
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
                    rendered.append(RenderedFile(source: file.source, destination: "-"))
                    continue
                }
                // Write through a symbolic link (a ConfigMap-style output) rather than replacing it.
                var target = destination
                if let status = linkStatus(destination), isSymbolicLink(status),
                    let resolved = resolvedPath(destination)
                {
                    target = resolved
                }
                do {
                    try makeDirectories(parentDirectory(target), created: &createdDirectories)
                    let (fd, temporary) = try makeTemporaryFile(beside: target)
                    pending.append(
                        Pending(
                            source: file.source, destination: destination, target: target,
                            temporary: temporary, fd: fd,
                            templateMode: templateMode, holdsSecret: false))
                } catch {
                    throw .output(path: destination, error)
                }
                let output = ByteOutput(fd: pending[pending.count - 1].fd, name: destination)
                let secretsBefore = renderer.substitutedSecrets
                try renderer.render(input, to: output)
                pending[pending.count - 1].holdsSecret = renderer.substitutedSecrets > secretsBefore
                do {
                    try output.flush()
                    if options.durable {
                        try syncFile(pending[pending.count - 1].fd, name: destination)
                    }
                } catch {
                    throw .output(path: destination, error)
                }
                rendered.append(RenderedFile(source: file.source, destination: destination))
            }
            if renderer.hasErrors { throw .diagnostics(renderer.diagnostics) }
            for output in pending {
                try prepare(output)
            }
        } catch {
            abandon()
            throw error
        }
        // The commit is all-or-nothing too: a SIGTERM now waits for the last rename.
        let aborting = SignalPipe.abortsBlockingCalls
        SignalPipe.abortsBlockingCalls = false
        defer { SignalPipe.abortsBlockingCalls = aborting }
        for output in pending {
            closeFile(output.fd)
            do {
                try renameFile(output.temporary, to: output.target)
            } catch {
                removeFile(output.temporary)
                throw .output(path: output.destination, error)
            }
        }
        return rendered
    }

    /// Gives a temporary file the mode and owner of the output it replaces, or the mode of a new output.
    private func prepare(_ output: Pending) throws(TemplaterError) {
        do {
            if let existing = try? fileStatus(output.target), isRegularFile(existing) {
                setOwner(output.fd, uid: existing.st_uid, gid: existing.st_gid)
                try setMode(output.fd, existing.st_mode & 0o7777, name: output.destination)
            } else if let mode = options.mode {
                try setMode(output.fd, mode, name: output.destination)
            } else {
                let mode = output.holdsSecret ? output.templateMode & ~0o077 : output.templateMode
                try setMode(output.fd, mode, name: output.destination)
            }
        } catch {
            throw .output(path: output.destination, error)
        }
    }

    /// `mkdir -p`, remembering what it created so that a failed run can remove it.
    private func makeDirectories(_ path: String, created: inout [String]) throws(SystemError) {
        if path.isEmpty || path == "/" || path == "." { return }
        if let status = try? fileStatus(path) {
            if isDirectory(status) { return }
            throw SystemError(errno: ENOTDIR, operation: "mkdir(\(path))")
        }
        try makeDirectories(parentDirectory(path), created: &created)
        try makeDirectory(path)
        created.append(path)
    }
}
