// Directories: listing one (as raw names or Strings, a failing listing an error and not fewer
// entries), creating one or a path of them, temporary directories, and removing an empty one.

internal import Glibc

/// An open directory (`opendir(3)`), read entry by entry with `next()`; closed when the value goes.
///
/// Opening and reading are separate steps because they fail separately: `readdir` can fail after a
/// successful `opendir` (EIO, ESTALE or ENOMEM on a network volume, EACCES on some `/proc`
/// directories), and a listing that stops early must be an error, not fewer entries. (glibc's
/// `readdir` itself reads ENOENT, a directory removed while open, as the end of the listing.)
public final class DirectoryStream {
    /// The path it was opened with, for error messages.
    public let path: String
    private let handle: OpaquePointer

    /// `opendir(path)`.
    public init(_ path: String) throws(SystemError) {
        guard let handle = opendir(path) else {
            throw SystemError(errno: errno, operation: "opendir(\(path))")
        }
        self.path = path
        self.handle = handle
    }

    deinit { closedir(handle) }

    /// The next name in the directory as raw bytes (`readdir(3)`), skipping `.` and `..`; nil at the
    /// end of the listing; throws when `readdir` fails instead.
    public func next() throws(SystemError) -> [UInt8]? {
        while true {
            // readdir returns NULL both at the end and on failure; only errno tells them apart.
            errno = 0
            guard let entry = readdir(handle) else {
                let code = errno
                if code == EINTR { continue }
                if code != 0 { throw SystemError(errno: code, operation: "readdir(\(path))") }
                return nil
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name != [0x2E] && name != [0x2E, 0x2E] { return name }
        }
    }

    /// The remaining names, in the directory's order, decoded as UTF-8.
    public func names() throws(SystemError) -> [String] {
        var names: [String] = []
        while let name = try next() { names.append(String(decoding: name, as: UTF8.self)) }
        return names
    }
}

/// The names in directory `path` as raw bytes, without `.` and `..`, sorted bytewise: file names are
/// bytes, and not every one is UTF-8.
public func directoryEntries(_ path: String) throws(SystemError) -> [[UInt8]] {
    let stream = try DirectoryStream(path)
    var names: [[UInt8]] = []
    while let name = try stream.next() { names.append(name) }
    return names.sorted { $0.lexicographicallyPrecedes($1) }
}

/// `mkdir(2)` with mode 0755; an existing directory is not an error.
public func makeDirectory(_ path: String) throws(SystemError) {
    if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw SystemError(errno: errno, operation: "mkdir(\(path))")
    }
}

/// `mkdir(2)` of `path` and its missing parents (mode 0755), as `mkdir -p`: a directory, or a
/// symbolic link to one, is kept; anything else in the way is ENOTDIR. `created` learns each
/// directory made, parents first (a transaction that rolls back removes them).
public func makeDirectories(_ path: String, created: (String) -> Void = { _ in })
    throws(SystemError)
{
    if path.isEmpty || path == "/" || path == "." { return }
    if let status = try linkStatusIfPresent(path) {
        if status.isDirectory { return }
        if status.isSymbolicLink, isDirectory(path) { return }
        throw SystemError(errno: ENOTDIR, operation: "mkdir(\(path))")
    }
    try makeDirectories(parentDirectory(path), created: created)
    try makeDirectory(path)
    created(path)
}

/// `rmdir(2)`, errors ignored: clean-up of directories this run created.
public func removeDirectory(_ path: String) {
    _ = rmdir(path)
}

/// `mkdtemp(3)` for `directory/prefix.XXXXXX`; the new directory has mode 0700.
public func makeTemporaryDirectory(in directory: String, prefix: String) throws(SystemError)
    -> String
{
    var template = Array("\(directory)/\(prefix).XXXXXX".utf8CString)
    let result = template.withUnsafeMutableBufferPointer {
        mkdtemp($0.baseAddress.unsafelyUnwrapped)
    }
    guard let result else {
        throw SystemError(errno: errno, operation: "mkdtemp(\(directory)/\(prefix).XXXXXX)")
    }
    return String(cString: result)
}
