import Platform
import Templater

/// The nginx image's `20-envsubst-on-templates.sh`, built in: the templates of
/// `NGINX_ENVSUBST_TEMPLATE_DIR` (default `/etc/nginx/templates`) rendered into
/// `NGINX_ENVSUBST_OUTPUT_DIR` (`/etc/nginx/conf.d`), the `*NGINX_ENVSUBST_STREAM_TEMPLATE_SUFFIX`
/// ones (`.stream-template`) into `NGINX_ENVSUBST_STREAM_OUTPUT_DIR` (`/etc/nginx/stream-conf.d`)
/// with a `stream { include DIR/*.conf; }` block appended to `nginx.conf` when it has none.
///
/// The variables are read when the step runs, so an earlier `.envsh` can set them. Only defined
/// variables whose names match `NGINX_ENVSUBST_FILTER` (an unanchored ERE) are substituted,
/// unless the entrypoint was given a selection of its own. Stricter than the script, on purpose:
/// each render is atomic and all-or-nothing, a missing or unwritable output directory (or a
/// `nginx.conf` that needs the stream block but cannot take it) stops start-up with 73 instead of
/// being logged and skipped, and `..*` entries of a ConfigMap volume are not rendered twice.
struct NginxTemplates {
    /// The root the paths are below (`""`: the real one).
    var root: String
    /// The render policy; its selection is replaced by the filter unless `selectionGiven`.
    var policy: RenderPolicy
    /// Whether the entrypoint was given `--allow`/`--allow-prefix`/`--allow-regex`/`--defined-only`.
    var selectionGiven: Bool

    static let nginxConf = "/etc/nginx/nginx.conf"

    /// Runs the step over `environment`; `secretNames` make outputs private.
    func run(
        environment: [String: String], secretNames: Set<String>, log: (String) -> Void
    ) throws(EntrypointError) {
        func value(_ name: String, _ fallback: String) -> String {
            environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
        }
        let templates = value("NGINX_ENVSUBST_TEMPLATE_DIR", "/etc/nginx/templates")
        let suffix = value("NGINX_ENVSUBST_TEMPLATE_SUFFIX", ".template")
        let output = value("NGINX_ENVSUBST_OUTPUT_DIR", "/etc/nginx/conf.d")
        let streamSuffix = value("NGINX_ENVSUBST_STREAM_TEMPLATE_SUFFIX", ".stream-template")
        let streamOutput = value("NGINX_ENVSUBST_STREAM_OUTPUT_DIR", "/etc/nginx/stream-conf.d")
        guard isDirectory(root + templates) else { return }

        var policy = self.policy
        if !selectionGiven {
            do {
                policy.selection = try Selection(
                    regexes: environment["NGINX_ENVSUBST_FILTER"].flatMap {
                        $0.isEmpty ? nil : [$0]
                    } ?? [], definedOnly: true)
            } catch {
                throw .usage("NGINX_ENVSUBST_FILTER: \(error)")
            }
        }
        let variables = Variables(environment, secretNames: secretNames)
        guard isDirectory(root + output), isWritable(root + output) else {
            throw .output(
                path: "\(output) (NGINX_ENVSUBST_OUTPUT_DIR)",
                SystemError(
                    isDirectory(root + output) ? .accessDenied : .notFound, operation: "access"))
        }
        try render(templates, into: output, suffix: suffix, policy, variables, log: log)

        guard Self.holdsFile(root + templates, endingWith: streamSuffix) else { return }
        do {
            try makeDirectories(root + streamOutput)
        } catch {
            throw .output(path: "\(streamOutput) (NGINX_ENVSUBST_STREAM_OUTPUT_DIR)", error)
        }
        guard isWritable(root + streamOutput) else {
            throw .output(
                path: "\(streamOutput) (NGINX_ENVSUBST_STREAM_OUTPUT_DIR)",
                SystemError(.accessDenied, operation: "access"))
        }
        try addStreamBlock(including: streamOutput, log: log)
        try render(templates, into: streamOutput, suffix: streamSuffix, policy, variables, log: log)
    }

    private func render(
        _ templates: String, into output: String, suffix: String, _ policy: RenderPolicy,
        _ variables: Variables, log: (String) -> Void
    ) throws(EntrypointError) {
        let rendered: [RenderedFile]
        do throws(TemplaterError) {
            rendered = try renderFiles(
                [RenderJob(source: root + templates, destination: root + output)], policy: policy,
                variables: variables, options: OutputOptions(suffix: suffix, durable: false))
        } catch {
            throw .templates(error)
        }
        for file in rendered {
            log("rendered \(shown(file.source)) -> \(shown(file.destination))")
        }
    }

    /// `path` as the container sees it (without the root).
    private func shown(_ path: String) -> String {
        !root.isEmpty && path.hasPrefix(root) ? String(path.dropFirst(root.utf8.count)) : path
    }

    /// Appends `stream { include DIR/*.conf; }` to `nginx.conf` unless a line of it opens a stream
    /// block already (`stream` and `{`, as the script's `grep -E "\s*stream\s*\{"`).
    private func addStreamBlock(including directory: String, log: (String) -> Void)
        throws(EntrypointError)
    {
        let path = root + Self.nginxConf
        var bytes: [UInt8]
        do {
            bytes = try readWholeFile(path)
        } catch {
            throw .input(path: Self.nginxConf, error)
        }
        if Self.opensStreamBlock(String(decoding: bytes, as: UTF8.self)) {
            log(
                "\(Self.nginxConf) has a stream block: include \(directory)/*.conf in it to use the "
                    + "stream templates")
            return
        }
        if let last = bytes.last, last != 0x0A { bytes.append(0x0A) }
        bytes += Array(
            ("# added by the entrypoint for the stream templates (NGINX_ENVSUBST_STREAM_*)\n"
                + "stream {\n  include \(directory)/*.conf;\n}\n").utf8)
        do {
            try replaceFile(path, with: bytes)
        } catch {
            throw .output(path: "\(Self.nginxConf) (the stream block)", error)
        }
        log("appended a stream block including \(directory)/*.conf to \(Self.nginxConf)")
    }

    /// Whether a line holds `stream`, optional blanks, then `{`.
    static func opensStreamBlock(_ text: String) -> Bool {
        for line in text.split(separator: "\n") {
            var rest = Substring(line)
            while let range = rest.range(ofText: "stream") {
                let after = rest[range.upperBound...].drop { $0 == " " || $0 == "\t" }
                if after.first == "{" { return true }
                rest = rest[range.upperBound...]
            }
        }
        return false
    }

    /// Whether `directory` holds, at any depth, an entry named `*suffix` (as the script's
    /// `find DIR -name "*SUFFIX"`); `..*` entries are skipped.
    static func holdsFile(_ directory: String, endingWith suffix: String) -> Bool {
        guard let names = try? DirectoryStream(directory).names() else { return false }
        for name in names where !name.hasPrefix("..") {
            if name.hasSuffix(suffix) { return true }
            let path = directory + "/" + name
            if (try? linkStatus(path))?.isDirectory == true, holdsFile(path, endingWith: suffix) {
                return true
            }
        }
        return false
    }
}

extension Substring {
    /// The first range of `needle`.
    func range(ofText needle: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
