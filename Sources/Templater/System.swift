// The Glibc calls of the Templater target that Platform does not wrap: POSIX regular expressions.

import Platform

/// A compiled POSIX extended regular expression (`regcomp(3)` with `REG_EXTENDED | REG_NOSUB`), matched
/// unanchored with `regexec(3)` — exactly what the nginx image's `NGINX_ENVSUBST_FILTER` means.
final class PosixRegex: @unchecked Sendable {
    private var compiled = regex_t()
    /// The pattern as given.
    let pattern: String

    /// Compiles `pattern`; the error message is `regerror(3)`'s.
    init(_ pattern: String) throws(TemplaterError) {
        self.pattern = pattern
        let status = regcomp(&compiled, pattern, REG_EXTENDED | REG_NOSUB)
        if status != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            regerror(status, &compiled, &buffer, buffer.count)
            let reason = String(
                decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .usage("--allow-regex '\(pattern)': \(reason)")
        }
    }

    deinit {
        regfree(&compiled)
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        regexec(&compiled, text, 0, nil, 0) == 0
    }
}

// MARK: - Files

/// `stat(2)` (following symbolic links).
func fileStatus(_ path: String) throws(SystemError) -> stat {
    var status = stat()
    _ = try retryingOnInterrupt("stat(\(path))") { stat(path, &status) }
    return status
}

/// `lstat(2)` (not following a final symbolic link); nil when nothing is there.
func linkStatus(_ path: String) -> stat? {
    var status = stat()
    return lstat(path, &status) == 0 ? status : nil
}

/// Whether `status` describes a directory.
func isDirectory(_ status: stat) -> Bool { status.st_mode & S_IFMT == S_IFDIR }

/// Whether `status` describes a regular file.
func isRegularFile(_ status: stat) -> Bool { status.st_mode & S_IFMT == S_IFREG }

/// Whether `status` describes a symbolic link.
func isSymbolicLink(_ status: stat) -> Bool { status.st_mode & S_IFMT == S_IFLNK }

/// The names in directory `path` (`opendir`/`readdir`), without `.` and `..`, sorted bytewise.
func directoryEntries(_ path: String) throws(SystemError) -> [String] {
    guard let directory = opendir(path) else {
        throw SystemError(errno: errno, operation: "opendir(\(path))")
    }
    defer { closedir(directory) }
    var names: [String] = []
    while true {
        errno = 0
        guard let entry = readdir(directory) else {
            if errno != 0 { throw SystemError(errno: errno, operation: "readdir(\(path))") }
            break
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
}

/// `mkdir(2)`; an existing directory is not an error.
func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
    if mkdir(path, mode) != 0 && errno != EEXIST {
        throw SystemError(errno: errno, operation: "mkdir(\(path))")
    }
}

/// `rmdir(2)`, errors ignored (cleanup of directories this run created).
func removeDirectory(_ path: String) { _ = rmdir(path) }

/// A new file named after `destination` in its directory (`mkstemp(3)`, then `FD_CLOEXEC`): the
/// temporary that is renamed over `destination` once complete.
func makeTemporaryFile(beside destination: String) throws(SystemError) -> (fd: Int32, path: String)
{
    let directory = parentDirectory(destination)
    let base = destination.split(separator: "/").last.map(String.init) ?? "output"
    var template = Array("\(directory)/.\(base).XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress.unsafelyUnwrapped) }
    if fd < 0 { throw SystemError(errno: errno, operation: "mkstemp(\(directory))") }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return (fd, path)
}

/// `fsync(2)`.
func syncFile(_ fd: Int32, name: String) throws(SystemError) {
    _ = try retryingOnInterrupt("fsync(\(name))") { fsync(fd) }
}

/// `fchmod(2)`.
func setMode(_ fd: Int32, _ mode: mode_t, name: String) throws(SystemError) {
    _ = try retryingOnInterrupt("fchmod(\(name))") { fchmod(fd, mode) }
}

/// `fchown(2)`; EPERM is ignored: an unprivileged user cannot give files away, and then the file is
/// theirs already.
func setOwner(_ fd: Int32, uid: uid_t, gid: gid_t) {
    _ = fchown(fd, uid, gid)
}

/// `rename(2)`.
func renameFile(_ from: String, to: String) throws(SystemError) {
    _ = try retryingOnInterrupt("rename(\(to))") { rename(from, to) }
}

/// `unlink(2)`, errors ignored (cleanup).
func removeFile(_ path: String) { _ = unlink(path) }

/// `realpath(3)`; nil when it fails (a dangling link).
func resolvedPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// The directory part of `path` (`.` when there is none).
func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}
