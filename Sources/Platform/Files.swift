// Files by name: what `stat(2)` says of a path, renaming, linking and removing, temporary files and
// the atomic replacement of a file; paths are Strings except where a directory entry's raw bytes are.

internal import Glibc

/// What `stat(2)`, `lstat(2)` or `fstat(2)` says about a file.
public struct FileStatus: Equatable, Sendable {
    /// The type of a file.
    public enum Kind: Equatable, Sendable {
        case regular, directory, symbolicLink, fifo, socket, characterDevice, blockDevice, other
    }

    /// The file's type.
    public var kind: Kind
    /// The permission bits with set-user-ID, set-group-ID and sticky (`st_mode & 0o7777`).
    public var permissions: UInt32
    /// The size in bytes.
    public var size: Int
    /// The owner's user ID.
    public var owner: UInt32
    /// The group ID.
    public var group: UInt32
    /// The device and inode: which file this is, whatever its name.
    public var identity: FileIdentity

    /// A regular file.
    public var isRegular: Bool { kind == .regular }
    /// A directory.
    public var isDirectory: Bool { kind == .directory }
    /// A symbolic link (only `lstat` sees one).
    public var isSymbolicLink: Bool { kind == .symbolicLink }
    /// Some execute bit is set.
    public var hasExecuteBit: Bool { permissions & 0o111 != 0 }

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        default: kind = .other
        }
        permissions = info.st_mode & 0o7777
        size = Int(info.st_size)
        owner = info.st_uid
        group = info.st_gid
        identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}

/// A file's device and inode number.
public struct FileIdentity: Hashable, Sendable {
    /// `st_dev`.
    public var device: UInt64
    /// `st_ino`.
    public var inode: UInt64
}

// MARK: - Status

/// `stat(2)`: the status of the file `path` names, symbolic links followed.
public func fileStatus(_ path: String) throws(SystemError) -> FileStatus {
    var info = stat()
    _ = try retryingOnInterrupt("stat(\(path))") { stat(path, &info) }
    return FileStatus(info)
}

/// `stat(2)` of a path given as raw bytes (a directory entry whose name is not UTF-8).
public func fileStatus(bytes path: [UInt8]) throws(SystemError) -> FileStatus {
    var info = stat()
    _ = try retryingOnInterrupt("stat(\(String(decoding: path, as: UTF8.self)))") {
        (path + [0]).withUnsafeBufferPointer { raw in
            raw.baseAddress.unsafelyUnwrapped.withMemoryRebound(to: CChar.self, capacity: raw.count)
            {
                stat($0, &info)
            }
        }
    }
    return FileStatus(info)
}

/// `lstat(2)`: the status of `path` itself, a final symbolic link not followed.
public func linkStatus(_ path: String) throws(SystemError) -> FileStatus {
    var info = stat()
    _ = try retryingOnInterrupt("lstat(\(path))") { lstat(path, &info) }
    return FileStatus(info)
}

/// `lstat(2)`, nil when nothing is there (`ENOENT`); any other failure (`ENOTDIR`, `EACCES`, ...)
/// is thrown.
public func linkStatusIfPresent(_ path: String) throws(SystemError) -> FileStatus? {
    do {
        return try linkStatus(path)
    } catch  where error.isNotFound {
        return nil
    }
}

/// `fstat(2)`.
public func descriptorStatus(_ fd: Int32, name: String) throws(SystemError) -> FileStatus {
    var info = stat()
    _ = try retryingOnInterrupt("fstat(\(name))") { fstat(fd, &info) }
    return FileStatus(info)
}

/// Whether `path` is a directory (`stat(2)`, symbolic links followed), as the shell's `test -d`.
public func isDirectory(_ path: String) -> Bool {
    (try? fileStatus(path))?.isDirectory ?? false
}

/// Whether `path` is a regular file (`stat(2)`, symbolic links followed), as the shell's `test -f`.
public func isRegularFile(_ path: String) -> Bool {
    (try? fileStatus(path))?.isRegular ?? false
}

/// Whether the process may write `path` (`access(2)` with `W_OK`), as the shell's `test -w`.
public func isWritable(_ path: String) -> Bool {
    access(path, W_OK) == 0
}

// MARK: - Names

/// The directory part of `path` (`.` when there is none, `/` for a file in the root).
public func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// `realpath(3)`; nil when it fails (a dangling link).
public func resolvedPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// `readlink(2)`: what the symbolic link at `path` holds.
public func linkContents(_ path: String) throws(SystemError) -> String {
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = try retryingOnInterrupt("readlink(\(path))") {
        buffer.withUnsafeMutableBufferPointer { raw in
            raw.baseAddress.unsafelyUnwrapped.withMemoryRebound(to: CChar.self, capacity: raw.count)
            {
                readlink(path, $0, raw.count)
            }
        }
    }
    return String(decoding: buffer[0..<n], as: UTF8.self)
}

/// `rename(2)`.
public func renameFile(_ from: String, to: String) throws(SystemError) {
    _ = try retryingOnInterrupt("rename(\(to))") { rename(from, to) }
}

/// `link(2)`: a second name for the file at `existing`.
public func hardLink(_ existing: String, to new: String) throws(SystemError) {
    _ = try retryingOnInterrupt("link(\(existing))") { link(existing, new) }
}

/// `unlink(2)`, reporting its failure (a rollback must know whether it removed a new output).
public func unlinkFile(_ path: String) throws(SystemError) {
    _ = try retryingOnInterrupt("unlink(\(path))") { unlink(path) }
}

/// `unlink(2)`, errors ignored: clean-up of files this run created.
public func removeFile(_ path: String) {
    _ = unlink(path)
}

// MARK: - Temporary files and replacement

/// A new file named after `destination` in its directory (`mkstemp(3)` on `dir/.name.XXXXXX`, then
/// `FD_CLOEXEC`): the temporary that is renamed over `destination` once complete.
public func makeTemporaryFile(beside destination: String) throws(SystemError) -> (
    fd: Int32, path: String
) {
    let directory = parentDirectory(destination)
    let base = destination.split(separator: "/").last.map(String.init) ?? "output"
    return try makeTemporaryFile(named: "\(directory)/.\(base).XXXXXX")
}

/// `mkstemp(3)` on `template` (ending in `XXXXXX`), then `FD_CLOEXEC`.
private func makeTemporaryFile(named template: String) throws(SystemError) -> (
    fd: Int32, path: String
) {
    var bytes = Array(template.utf8CString)
    let fd = try retryingOnInterrupt("mkstemp(\(template))") {
        bytes.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress.unsafelyUnwrapped) }
    }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    return (fd, String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
}

/// Replaces `path` with `bytes` atomically: a temporary file beside it (`path.entrypoint.XXXXXX`),
/// the old file's permissions and owner (a new file gets `permissions`), then `rename(2)`, so that a
/// reader sees the old file or the new one, never a half-written one. Nothing is left behind on
/// failure.
public func replaceFile(_ path: String, with bytes: [UInt8], permissions: UInt32 = 0o644)
    throws(SystemError)
{
    let old = try? fileStatus(path)
    let (fd, temporary) = try makeTemporaryFile(named: "\(path).entrypoint.XXXXXX")
    do {
        defer { closeFile(fd) }
        try withBytes(bytes) { (raw) throws(SystemError) in try writeAll(fd, raw, name: temporary) }
        try setPermissions(fd, old?.permissions ?? permissions, name: temporary)
        if let old, old.owner != geteuid() || old.group != getegid() {
            setOwner(fd, owner: old.owner, group: old.group)
        }
    } catch {
        removeFile(temporary)
        throw error
    }
    do {
        _ = try retryingOnInterrupt("rename(\(temporary), \(path))") { rename(temporary, path) }
    } catch {
        removeFile(temporary)
        throw error
    }
}
