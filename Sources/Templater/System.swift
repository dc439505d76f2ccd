// The Glibc calls of the Templater target that Platform does not wrap: POSIX regular expressions.

import Glibc
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

// MARK: - Transactions and bounded reads

/// `lstat(2)`: the status of `path` itself (a final symbolic link is not followed); nil when nothing
/// is there (`ENOENT`), an error for anything else (`ENOTDIR`, `EACCES`, ...).
func linkStatusOrError(_ path: String) throws(SystemError) -> stat? {
    var status = stat()
    if lstat(path, &status) == 0 { return status }
    if errno == ENOENT { return nil }
    throw SystemError(errno: errno, operation: "lstat(\(path))")
}

/// `fstat(2)`.
func descriptorStatus(_ fd: Int32, name: String) throws(SystemError) -> stat {
    var status = stat()
    _ = try retryingOnInterrupt("fstat(\(name))") { fstat(fd, &status) }
    return status
}

/// `readlink(2)`: what the symbolic link at `path` holds.
func linkContents(_ path: String) throws(SystemError) -> String {
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = buffer.withUnsafeMutableBufferPointer { raw in
        raw.baseAddress.unsafelyUnwrapped.withMemoryRebound(to: CChar.self, capacity: raw.count) {
            readlink(path, $0, raw.count)
        }
    }
    if n < 0 { throw SystemError(errno: errno, operation: "readlink(\(path))") }
    return String(decoding: buffer[0..<n], as: UTF8.self)
}

/// `link(2)`: a second name for the file at `existing`.
func hardLink(_ existing: String, to new: String) throws(SystemError) {
    _ = try retryingOnInterrupt("link(\(existing))") { link(existing, new) }
}

/// `unlink(2)`, reporting its failure (a rollback must know whether it removed a new output).
func unlinkFile(_ path: String) throws(SystemError) {
    _ = try retryingOnInterrupt("unlink(\(path))") { unlink(path) }
}

/// `pread(2)`: up to `count` bytes at `offset`; 0 at end of file.
func readSome(
    _ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int, name: String
) throws(SystemError) -> Int {
    try retryingOnInterrupt("read(\(name))") { pread(fd, buffer, count, off_t(offset)) }
}

/// `stat(2)` of a path given as raw bytes (a directory entry whose name is not UTF-8); nil when it
/// fails.
func fileStatus(bytes path: [UInt8]) -> stat? {
    var status = stat()
    let result = (path + [0]).withUnsafeBufferPointer { raw in
        raw.baseAddress.unsafelyUnwrapped.withMemoryRebound(to: CChar.self, capacity: raw.count) {
            stat($0, &status)
        }
    }
    return result == 0 ? status : nil
}

/// The names in directory `path` as raw bytes (`opendir`/`readdir`), without `.` and `..`, sorted
/// bytewise: file names are bytes, and not every one is UTF-8.
func directoryEntryBytes(_ path: String) throws(SystemError) -> [[UInt8]] {
    guard let directory = opendir(path) else {
        throw SystemError(errno: errno, operation: "opendir(\(path))")
    }
    defer { closedir(directory) }
    var names: [[UInt8]] = []
    while true {
        errno = 0
        guard let entry = readdir(directory) else {
            if errno != 0 { throw SystemError(errno: errno, operation: "readdir(\(path))") }
            break
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 })
        }
        if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
    }
    return names.sorted { $0.lexicographicallyPrecedes($1) }
}

/// `getpid(2)`: part of the names of the files a transaction keeps aside.
func processID() -> pid_t { getpid() }
