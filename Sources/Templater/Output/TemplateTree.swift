import Platform

/// One template file and its output, after directories are expanded.
struct PlannedFile: Equatable {
    /// The template's path; `-` is stdin.
    var source: String
    /// The output's path; nil is stdout.
    var destination: String?

    /// The template, opened for reading.
    func open() throws(TemplaterError) -> ByteInput {
        if source == "-" { return ByteInput(fd: 0, name: "<stdin>") }
        do {
            return try ByteInput(path: source)
        } catch {
            throw .input(path: source, error)
        }
    }
}

/// Expands render jobs into template files: directories are walked recursively in sorted order, the
/// files ending with the suffix are templates, their outputs mirror the tree with the suffix stripped,
/// and the `..*` entries of Kubernetes ConfigMap volumes (`..data`, `..2024_01_01...`) are skipped.
/// Symbolic links are followed (ConfigMap files are links into `..data`); a link loop is an error.
enum TemplateTree {
    /// The files of `jobs`, in order. A directory without a destination is an error unless
    /// `outputs` is false (`check` and `vars` read templates only).
    static func plan(_ jobs: [RenderJob], suffix: String, outputs: Bool = true)
        throws(TemplaterError) -> [PlannedFile]
    {
        var result: [PlannedFile] = []
        for job in jobs {
            if job.source == "-" {
                result.append(
                    PlannedFile(source: "-", destination: try fileDestination(job, name: "stdin")))
                continue
            }
            let status: FileStatus
            do {
                status = try fileStatus(job.source)
            } catch {
                throw .input(path: job.source, error)
            }
            if status.isDirectory {
                guard var destination = job.destination ?? (outputs ? nil : "") else {
                    throw .usage("\(job.source) is a directory: name an output directory with -o")
                }
                while destination.count > 1 && destination.hasSuffix("/") {
                    destination.removeLast()
                }
                var visited: [FileIdentity] = []
                try walk(
                    job.source, relative: "", into: destination, suffix: suffix, visited: &visited,
                    result: &result)
            } else {
                let name = job.source.split(separator: "/").last.map(String.init) ?? job.source
                result.append(
                    PlannedFile(
                        source: job.source,
                        destination: try fileDestination(job, name: name, suffix: suffix)))
            }
        }
        var sources: [String: String] = [:]
        for file in result where outputs {
            guard let destination = file.destination else { continue }
            if let first = sources[destination] {
                throw .usage(
                    "\(first) and \(file.source) both render to \(destination): "
                        + "rename one, or render them to different outputs")
            }
            sources[destination] = file.source
        }
        return result
    }

    /// The output of a single template: the destination, or inside it when it is a directory.
    private static func fileDestination(_ job: RenderJob, name: String, suffix: String = "")
        throws(TemplaterError) -> String?
    {
        guard let destination = job.destination, destination != "-" else { return nil }
        if destination.hasSuffix("/") || isDirectory(destination) {
            let base =
                !suffix.isEmpty && name.hasSuffix(suffix) && name.count > suffix.count
                ? String(name.dropLast(suffix.count)) : name
            return (destination.hasSuffix("/") ? destination : destination + "/") + base
        }
        return destination
    }

    private static func walk(
        _ directory: String, relative: String, into destination: String, suffix: String,
        visited: inout [FileIdentity], result: inout [PlannedFile]
    ) throws(TemplaterError) {
        let here: FileStatus
        do {
            here = try fileStatus(directory)
        } catch {
            throw .input(path: directory, error)
        }
        if visited.contains(here.identity) {
            throw .input(
                path: directory, SystemError(.loop, operation: "walk(\(directory))"))
        }
        visited.append(here.identity)
        defer { visited.removeLast() }
        let names: [[UInt8]]
        do {
            names = try directoryEntries(directory)
        } catch {
            throw .input(path: directory, error)
        }
        let suffixBytes = Array(suffix.utf8)
        for bytes in names where !bytes.starts(with: [0x2E, 0x2E]) {
            let isTemplate =
                suffixBytes.isEmpty
                || (bytes.count > suffixBytes.count
                    && bytes.suffix(suffixBytes.count).elementsEqual(suffixBytes))
            guard let name = String(validating: bytes, as: UTF8.self) else {
                // Paths are Strings here, and a mirrored output needs its name: a template or a
                // directory whose name is not UTF-8 is an error; any other such file is skipped.
                let status = try? fileStatus(bytes: Array((directory + "/").utf8) + bytes)
                if isTemplate || status?.isDirectory == true {
                    throw .inputRefused(
                        path: directory + "/" + escapedFileName(bytes),
                        reason: "its name is not valid UTF-8 (rename it)")
                }
                continue
            }
            let path = directory + "/" + name
            let status: FileStatus
            do {
                status = try fileStatus(path)
            } catch {
                // A dangling link that is not a template is none of the render's business (the nginx
                // image's `find -follow -type f -name '*.template'` skips it too).
                if !isTemplate, (try? linkStatus(path))?.isSymbolicLink == true { continue }
                throw .input(path: path, error)
            }
            if status.isDirectory {
                try walk(
                    path, relative: relative + name + "/", into: destination, suffix: suffix,
                    visited: &visited,
                    result: &result)
            } else if isTemplate {
                let output = suffix.isEmpty ? name : String(name.dropLast(suffix.count))
                result.append(
                    PlannedFile(source: path, destination: destination + "/" + relative + output))
            }
        }
    }
}

/// A file name's bytes for messages: UTF-8 as it is, every other byte as `\xNN`.
func escapedFileName(_ bytes: [UInt8]) -> String {
    var result = ""
    var index = 0
    while index < bytes.count {
        var end = index + 1
        while end < bytes.count && bytes[end] & 0xC0 == 0x80 && end - index < 4 { end += 1 }
        if let scalar = String(validating: bytes[index..<end], as: UTF8.self) {
            result += scalar
            index = end
        } else {
            let hex = String(bytes[index], radix: 16, uppercase: true)
            result += "\\x" + (hex.count == 1 ? "0" : "") + hex
            index += 1
        }
    }
    return result
}
