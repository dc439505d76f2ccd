import Platform
import Templater

extension Startup {
    /// Phase 2: every `--template` rendered with the templater, as one two-phase commit across all of
    /// them (`renderFiles`: every output validated and rendered into a temporary file beside it, then
    /// renamed into place, the ones already renamed put back if a later rename fails), so a missing
    /// variable or an output in the way leaves every old config untouched. One log line per file
    /// written.
    func renderTemplates(_ secrets: Secrets) throws(EntrypointError) {
        guard !configuration.templates.isEmpty else { return }
        let jobs = templateJobs
        let options = outputOptions()
        let rendered: [RenderedFile]
        // SIGTERM/SIGINT end the render at its next system call (a FIFO's `open`, a slow `read`):
        // the renderer removes its temporary files and the old configs stay as they were.
        SignalPipe.abortsBlockingCalls = true
        defer { SignalPipe.abortsBlockingCalls = false }
        do throws(TemplaterError) {
            rendered = try renderFiles(
                jobs, policy: configuration.policy,
                variables: Variables(
                    bytes: secrets.environment.bytes, secretNames: Set(secrets.files.map(\.name))),
                options: options)
        } catch {
            if let signal = Interruption.check() { throw .interrupted(signal: signal) }
            throw .templates(error)
        }
        for file in rendered {
            log.info("rendered \(file.source) -> \(file.destination)")
        }
        if rendered.isEmpty {
            log.info(
                "no templates found in \(configuration.templates.map(\.source).joined(separator: ", "))"
            )
        }
    }

    /// The render jobs of the `--template` options, for this phase and for a re-render
    /// (`prepareRender(templateJobs, ...)`).
    var templateJobs: [RenderJob] {
        configuration.templates.map { RenderJob(source: $0.source, destination: $0.destination) }
    }

    /// How the entrypoint writes its outputs: the configured suffix and mode, without `fsync` — the
    /// configs are rendered again at every start, so one lost to a power cut is rewritten before the
    /// server reads it, and the rename keeps each one whole for every reader (fsync was half of the
    /// start-up's wall time on ext4: 0.86 ms of 1.9 ms). A watcher passes `skipUnchanged: true`.
    func outputOptions(skipUnchanged: Bool = false) -> OutputOptions {
        OutputOptions(
            suffix: configuration.suffix, mode: configuration.mode.map { UInt32($0) },
            durable: false, skipUnchanged: skipUnchanged)
    }
}
