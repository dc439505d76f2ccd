import Platform

/// The hooks of a directory (`--hooks-dir`, like the official images' `/docker-entrypoint.d`): every
/// executable regular file (symbolic links followed), in `sort -V` order, run directly.
///
/// Hidden names (`.gitkeep`, Kubernetes ConfigMap `..data`) and directories are skipped silently; a
/// regular file without an execute bit is skipped with a warning, as the nginx image's
/// `docker-entrypoint.sh` does ("Ignoring ..."), so that a script that lost its mode is visible.
public enum HooksDirectory {
    /// The hooks in `directory`, in order.
    ///
    /// A directory that cannot be opened or listed to the end is an input error (66), never a
    /// shorter list of hooks.
    public static func hooks(in directory: String, log: Log) throws(EntrypointError) -> [Hook] {
        let stream: DirectoryStream
        do {
            stream = try DirectoryStream(directory)
        } catch {
            throw .input(path: directory, error)
        }
        return try hooks(listing: stream, log: log)
    }

    /// The hooks of the directory `stream` has open, in order; `next` reads one entry
    /// (`DirectoryStream.next`; tests pass one that fails part-way, as a failing volume does).
    static func hooks(
        listing stream: DirectoryStream, log: Log,
        next: (DirectoryStream) throws(SystemError) -> [UInt8]? = { stream throws(SystemError) in
            try stream.next()
        }
    ) throws(EntrypointError) -> [Hook] {
        let directory = stream.path
        var names: [String] = []
        do throws(SystemError) {
            while let name = try next(stream) {
                names.append(String(decoding: name, as: UTF8.self))
            }
        } catch {
            throw .input(path: directory, error)
        }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var hooks: [Hook] = []
        for name in names.sorted(by: VersionOrder.areInIncreasingOrder) where !name.hasPrefix(".") {
            let path = base + "/" + name
            guard let facts = try? fileStatus(path), facts.isRegular else { continue }
            guard facts.hasExecuteBit else {
                log.warning("ignoring \(path): not executable")
                continue
            }
            hooks.append(Hook(name: path, arguments: [path]))
        }
        return hooks
    }
}
