// The Glibc calls of the Entrypoint target that are not in Platform yet: locks, files and directory
// listing, behind small wrappers that retry on EINTR and name the C function they call.

import Glibc
import Platform

// MARK: - Files

/// `flock(fd, LOCK_EX | LOCK_NB)`: true when the lock was taken, false when another holds it.
func tryExclusiveLock(_ fd: Int32, path: String) throws(SystemError) -> Bool {
    while true {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        let code = errno
        if code == EINTR { continue }
        if code == EWOULDBLOCK { return false }
        throw SystemError(errno: code, operation: "flock(\(path))")
    }
}

/// `mkdtemp(3)` for `directory/prefix.XXXXXX`; the new directory has mode 0700.
func makeTemporaryDirectory(in directory: String, prefix: String) throws(SystemError) -> String {
    var template = Array("\(directory)/\(prefix).XXXXXX".utf8CString)
    let result = template.withUnsafeMutableBufferPointer {
        mkdtemp($0.baseAddress.unsafelyUnwrapped)
    }
    guard let result else {
        throw SystemError(errno: errno, operation: "mkdtemp(\(directory)/\(prefix).XXXXXX)")
    }
    return String(cString: result)
}

/// `unlink(2)`, ignoring errors (used for clean-up only).
func removeFile(_ path: String) {
    _ = unlink(path)
}

/// `rmdir(2)`, ignoring errors (used for clean-up only).
func removeDirectory(_ path: String) {
    _ = rmdir(path)
}

/// What `stat(2)` (following symbolic links) says about a path, for hook directories and programs.
struct FileFacts {
    /// A regular file.
    var isRegular: Bool
    /// A directory.
    var isDirectory: Bool
    /// Some execute bit is set.
    var hasExecuteBit: Bool
}

/// Whether `path` is a directory (`stat(2)`, symbolic links followed).
public func isDirectory(_ path: String) -> Bool {
    (try? fileFacts(path))?.isDirectory ?? false
}

/// `stat(2)` on `path`.
func fileFacts(_ path: String) throws(SystemError) -> FileFacts {
    var info = stat()
    _ = try retryingOnInterrupt("stat(\(path))") { stat(path, &info) }
    return FileFacts(info)
}

extension FileFacts {
    /// What `stat`/`lstat` said of an entry.
    fileprivate init(_ info: stat) {
        let type = info.st_mode & S_IFMT
        self.init(
            isRegular: type == S_IFREG, isDirectory: type == S_IFDIR,
            hasExecuteBit: info.st_mode & 0o111 != 0)
    }
}

/// An open directory (`opendir(3)`), read once by `names()`; closed when the value goes.
///
/// Opening and reading are separate steps because they fail separately: `readdir` can fail after a
/// successful `opendir` (EIO, ESTALE or ENOMEM on a network volume, EACCES on some `/proc`
/// directories), and a listing that stops early must be an error, not fewer entries. (glibc's
/// `readdir` itself reads ENOENT, a directory removed while open, as the end of the listing.)
final class DirectoryStream {
    /// The path it was opened with, for error messages.
    let path: String
    private let handle: OpaquePointer

    /// `opendir(path)`.
    init(_ path: String) throws(SystemError) {
        guard let handle = opendir(path) else {
            throw SystemError(errno: errno, operation: "opendir(\(path))")
        }
        self.path = path
        self.handle = handle
    }

    deinit { closedir(handle) }

    /// The names in the directory (`readdir(3)` until it returns NULL), without `.` and `..`,
    /// unsorted; throws when `readdir` ends with an error rather than at the end of the listing.
    ///
    /// `next` is `readdir` itself; tests pass one that fails part-way, as a failing volume does.
    func names(
        next: (OpaquePointer) -> UnsafeMutablePointer<dirent>? = { readdir($0) }
    ) throws(SystemError) -> [String] {
        var names: [String] = []
        while true {
            // readdir returns NULL both at the end and on failure; only errno tells them apart.
            errno = 0
            guard let entry = next(handle) else {
                let code = errno
                if code == EINTR { continue }
                if code != 0 { throw SystemError(errno: code, operation: "readdir(\(path))") }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }
}

// MARK: - Watch

/// The device and inode of `path` (`stat(2)`, symbolic links followed), nil when it cannot be
/// stat'ed: how the watch plan knows a directory tree it already walked (a link loop).
func fileIdentity(_ path: String) -> FileIdentity? {
    var info = stat()
    guard (try? retryingOnInterrupt("stat(\(path))") { stat(path, &info) }) != nil else {
        return nil
    }
    return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
}

/// A file's device and inode number.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
}

// MARK: - nginx image parity: file edits

/// Whether the process may write `path` (`access(2)` with `W_OK`), as the shell's `test -w`.
func isWritable(_ path: String) -> Bool {
    access(path, W_OK) == 0
}

/// Whether `path` is a regular file (`stat(2)`, symbolic links followed), as the shell's `test -f`.
func isRegularFile(_ path: String) -> Bool {
    (try? fileFacts(path))?.isRegular ?? false
}

/// `mkdir(2)` of `path` and its missing parents (mode 0755), as `mkdir -p`.
func makeDirectories(_ path: String) throws(SystemError) {
    if isDirectory(path) { return }
    let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        .joined(separator: "/")
    if !parent.isEmpty { try makeDirectories(parent) }
    if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw SystemError(errno: errno, operation: "mkdir(\(path))")
    }
}

/// Replaces `path` with `bytes` atomically: a temporary file beside it (`mkstemp(3)`), the old
/// file's mode and owner (`fchmod(2)`, `fchown(2)`; a new file gets `mode`), then `rename(2)`, so
/// a reader sees the old file or the new one, never a half-written one. Nothing is left behind on
/// failure.
func replaceFile(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
    var old = stat()
    let exists = stat(path, &old) == 0
    var template = Array("\(path).entrypoint.XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress.unsafelyUnwrapped) }
    guard fd >= 0 else { throw SystemError(errno: errno, operation: "mkstemp(\(path).XXXXXX)") }
    let temporary = template.withUnsafeBufferPointer {
        String(cString: $0.baseAddress.unsafelyUnwrapped)
    }
    func fail(_ operation: String) -> SystemError {
        let error = SystemError(errno: errno, operation: operation)
        closeFile(fd)
        _ = unlink(temporary)
        return error
    }
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw fail("write(\(temporary))")
        }
        written += count
    }
    if fchmod(fd, exists ? old.st_mode & 0o7777 : mode) != 0 { throw fail("fchmod(\(temporary))") }
    if exists && (old.st_uid != geteuid() || old.st_gid != getegid()) {
        _ = fchown(fd, old.st_uid, old.st_gid)
    }
    closeFile(fd)
    if rename(temporary, path) != 0 {
        let error = SystemError(errno: errno, operation: "rename(\(temporary), \(path))")
        _ = unlink(temporary)
        throw error
    }
}

/// `lstat(2)` on `path`: what the entry itself is, a symbolic link not followed.
func linkFacts(_ path: String) throws(SystemError) -> FileFacts {
    var info = stat()
    _ = try retryingOnInterrupt("lstat(\(path))") { lstat(path, &info) }
    return FileFacts(info)
}
