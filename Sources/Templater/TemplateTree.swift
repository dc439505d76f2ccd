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
            let status: stat
            do {
                status = try fileStatus(job.source)
            } catch {
                throw .input(path: job.source, error)
            }
            if isDirectory(status) {
                guard let destination = job.destination ?? (outputs ? nil : "") else {
                    throw .usage("\(job.source) is a directory: name an output directory with -o")
                }
                var visited: [(dev_t, ino_t)] = []
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
        return result
    }

    /// The output of a single template: the destination, or inside it when it is a directory.
    private static func fileDestination(_ job: RenderJob, name: String, suffix: String = "")
        throws(TemplaterError) -> String?
    {
        guard let destination = job.destination, destination != "-" else { return nil }
        if destination.hasSuffix("/") || (try? fileStatus(destination)).map(isDirectory) == true {
            let base =
                !suffix.isEmpty && name.hasSuffix(suffix) && name.count > suffix.count
                ? String(name.dropLast(suffix.count)) : name
            return (destination.hasSuffix("/") ? destination : destination + "/") + base
        }
        return destination
    }

    private static func walk(
        _ directory: String, relative: String, into destination: String, suffix: String,
        visited: inout [(dev_t, ino_t)], result: inout [PlannedFile]
    ) throws(TemplaterError) {
        let here: stat
        do {
            here = try fileStatus(directory)
        } catch {
            throw .input(path: directory, error)
        }
        if visited.contains(where: { $0.0 == here.st_dev && $0.1 == here.st_ino }) {
            throw .input(
                path: directory, SystemError(errno: ELOOP, operation: "walk(\(directory))"))
        }
        visited.append((here.st_dev, here.st_ino))
        defer { visited.removeLast() }
        let names: [String]
        do {
            names = try directoryEntries(directory)
        } catch {
            throw .input(path: directory, error)
        }
        for name in names where !name.hasPrefix("..") {
            let path = directory + "/" + name
            let status: stat
            do {
                status = try fileStatus(path)
            } catch {
                throw .input(path: path, error)
            }
            if isDirectory(status) {
                try walk(
                    path, relative: relative + name + "/", into: destination, suffix: suffix,
                    visited: &visited,
                    result: &result)
            } else if suffix.isEmpty || (name.hasSuffix(suffix) && name.count > suffix.count) {
                let output = suffix.isEmpty ? name : String(name.dropLast(suffix.count))
                result.append(
                    PlannedFile(source: path, destination: destination + "/" + relative + output))
            }
        }
    }
}
