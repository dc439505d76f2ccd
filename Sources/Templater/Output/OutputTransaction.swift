import Platform

/// A set of output files replaced all-or-nothing, in two phases, with every old file kept aside until
/// the caller decides: the commit phase of `templater render -o`, of the entrypoint's render phase,
/// and of a re-render that must be undone when the server's own check (`nginx -t`) rejects it.
///
/// **Prepare.** `stage(_:)` validates one destination and creates its temporary file beside the file
/// it replaces; the caller writes the new bytes into `descriptor(of:)`; `seal(_:newFileMode:)` gives
/// the temporary its mode and owner, syncs it, compares it with the existing file and keeps the
/// existing file aside (a hard link under a hidden name in the same directory, or a copy where the
/// file system refuses links). Everything that can fail short of a `rename(2)` happens here, for
/// every output, before the first rename: a destination that is a directory, a FIFO, a socket or a
/// device, a parent that is not a directory, two outputs that are one file.
///
/// **Commit.** `commit()` renames each temporary over its file, in staging order. Should a rename
/// fail in the middle, the outputs already replaced are put back from the files kept aside, the new
/// ones removed, and the error says whether that worked: ``TemplaterError/commitFailed(path:_:restored:unrestored:)``.
///
/// **Then** `rollback()` puts every previous file back byte-identical (content, mode, owner: the
/// very same inode, times included; a copy kept aside has the same bytes, mode and owner), removes
/// the outputs that did not exist before and the directories the transaction created; or
/// `finish()` drops the files kept aside. Before the commit, `rollback()` discards the staged files
/// instead. A second `rollback()` or `finish()` does nothing. Until one of them is called the old
/// files stay on disk under their hidden names (`.NAME.old-PID-N`, which `*.conf`-style includes do
/// not match); a transaction that goes away uncommitted discards itself, and one committed and never
/// finished finishes. (Only a SIGKILL in between leaves hidden files behind: temporaries
/// `.NAME.XXXXXX` and kept-aside `.NAME.old-PID-N`, each a whole file.)
///
/// Errors: `stage` and `seal` throw `.output` / `.outputRefused` (73) or `.usage` (64, two outputs
/// that are one file) and replace nothing; `commit` throws `.commitFailed` (73) after putting back
/// what it had replaced; `rollback` throws `.restoreFailed` (73) naming what it could not put back.
///
/// ```swift
/// let prepared = try prepareRender(jobs, policy: policy, variables: variables,
///                                  options: OutputOptions(skipUnchanged: true))
/// guard prepared.files.contains(where: \.changed) else { try prepared.transaction.rollback(); return }
/// try prepared.transaction.commit()
/// if serverAcceptsTheNewConfig() { prepared.transaction.finish() }
/// else { try prepared.transaction.rollback() }   // previous files back, nothing to reload
/// ```
///
/// Outputs reached through a symbolic link (a ConfigMap-style `default.conf -> ..data/default.conf`)
/// are written through it: the link stays and the file it names is replaced, even when that file
/// does not exist yet (a dangling link). SIGTERM and SIGINT never interrupt the renames of `commit()`
/// or `rollback()` (`SignalPipe.abortsBlockingCalls` is off meanwhile), so a configuration is never
/// left half-replaced. Not thread-safe: one transaction belongs to one thread.
public final class OutputTransaction {
    /// Where the transaction stands.
    public enum State: Equatable, Sendable {
        /// Outputs are being staged and sealed; nothing on disk has been replaced.
        case preparing
        /// Every changed output is in place; the previous files are still kept aside.
        case committed
        /// The previous files were put back (or, before a commit, the staged files discarded).
        case rolledBack
        /// The new files stay; the previous ones are gone.
        case finished
    }

    /// One output of the transaction, as the caller sees it.
    public struct Output: Equatable, Sendable {
        /// The path the output was staged as (`-o`'s path, or a file of a mirrored tree).
        public let destination: String
        /// The file actually replaced: `destination`, or the file its symbolic link leads to.
        public let target: String
        /// Whether a file was there before (if not, a rollback removes the new one).
        public let existed: Bool
        /// Whether the new bytes differ from the existing file's (always true for a new file). Known
        /// once the output is sealed.
        public fileprivate(set) var changed: Bool
    }

    /// What the transaction keeps of each output.
    private struct Entry {
        var output: Output
        var temporary: String?
        var fd: Int32
        var sealed = false
        /// The previous file under its hidden name, once sealed.
        var backup: String?
        /// Whether `commit()` renamed the temporary into place.
        var renamed = false
    }

    private var entries: [Entry] = []
    /// The directories `stage` created, parents first.
    private var createdDirectories: [String] = []
    /// `fsync` each temporary (and a copied backup) before it can be renamed into place.
    private let durable: Bool
    /// Leave an output whose new bytes equal its file's alone: no rename, no backup.
    private let skipUnchanged: Bool

    /// Where the transaction stands.
    public private(set) var state = State.preparing

    /// The staged outputs, in staging order.
    public var outputs: [Output] { entries.map(\.output) }

    /// An empty transaction. `durable` syncs every new file before the commit can rename it (so that
    /// it survives a power cut as a whole); `skipUnchanged` leaves an output whose new bytes equal
    /// the existing file untouched (not renamed, not kept aside, its `changed` false), which is what
    /// a watcher wants: no rewrite, no reload, for a config that did not change.
    public init(durable: Bool = true, skipUnchanged: Bool = false) {
        self.durable = durable
        self.skipUnchanged = skipUnchanged
    }

    deinit {
        switch state {
        case .preparing: discard()
        case .committed: finish()
        case .rolledBack, .finished: break
        }
    }

    // MARK: - Prepare

    /// Stages a new version of `destination` and returns its index; write its bytes to
    /// `descriptor(of:)`, then `seal` it.
    ///
    /// Fails, before anything is replaced, when the destination is a directory (73), a FIFO, socket
    /// or device (73: a config is a regular file; stream to stdout instead), sits below a file (73,
    /// `Not a directory`), or is the same file as an output staged before (64). Missing parent
    /// directories are created and removed again by `rollback()`; the parent of a symbolic link's
    /// target must exist.
    public func stage(_ destination: String) throws(TemplaterError) -> Int {
        precondition(state == .preparing, "stage(_:) after commit() or rollback()")
        let (target, existed) = try Self.resolveTarget(destination)
        let key = Self.normalized(target)
        if let other = entries.first(where: { Self.normalized($0.output.target) == key }) {
            throw .usage(
                "\(destination): the same file as the output \(other.output.destination)"
                    + " (two inputs would render to one output)")
        }
        do throws(SystemError) {
            if target == destination {
                try makeDirectories(parentDirectory(target)) { createdDirectories.append($0) }
            } else {
                let parent = parentDirectory(target)
                let status = try fileStatus(parent)
                if !status.isDirectory {
                    throw SystemError(.notDirectory, operation: "stat(\(parent))")
                }
            }
            let (fd, temporary) = try makeTemporaryFile(beside: target)
            entries.append(
                Entry(
                    output: Output(
                        destination: destination, target: target, existed: existed,
                        changed: true),
                    temporary: temporary, fd: fd))
        } catch {
            throw .output(path: destination, error)
        }
        return entries.count - 1
    }

    /// The descriptor of output `index`'s temporary file, open for writing until it is sealed.
    public func descriptor(of index: Int) -> Int32 { entries[index].fd }

    /// Finishes output `index` after its bytes were written: the mode and owner of the file it
    /// replaces (or `newFileMode` for a new file), `fsync` when durable, the comparison with the
    /// existing bytes (`outputs[index].changed`), and the previous file kept aside.
    public func seal(_ index: Int, newFileMode: UInt32) throws(TemplaterError) {
        precondition(state == .preparing && !entries[index].sealed, "seal(_:) twice")
        var entry = entries[index]
        let name = entry.output.destination
        do {
            let existing = entry.output.existed ? try fileStatus(entry.output.target) : nil
            if let existing, existing.isRegular {
                setOwner(entry.fd, owner: existing.owner, group: existing.group)
                try setPermissions(entry.fd, existing.permissions, name: name)
                entry.output.changed = try !Self.sameBytes(
                    entry.fd, entry.output.target, size: existing.size, name: name)
            } else {
                try setPermissions(entry.fd, newFileMode, name: name)
            }
            if skipUnchanged && !entry.output.changed {
                closeFile(entry.fd)
                entry.fd = -1
                entry.temporary.map(removeFile)
                entry.temporary = nil
            } else {
                if durable { try syncFile(entry.fd, name: name) }
                closeFile(entry.fd)
                entry.fd = -1
                if let existing, entry.output.existed {
                    entry.backup = try keepAside(entry.output.target, status: existing)
                }
            }
            entry.sealed = true
            entries[index] = entry
        } catch {
            entries[index] = entry
            throw .output(path: name, error)
        }
    }

    // MARK: - Commit

    /// Renames every changed output into place, in staging order.
    ///
    /// When a rename fails, every output already renamed is put back from the file kept aside (or
    /// removed, if it is new), the rest is discarded, `state` becomes `.rolledBack`, and the error
    /// names the output that failed and any that could not be restored.
    public func commit() throws(TemplaterError) {
        precondition(state == .preparing, "commit() twice")
        precondition(entries.allSatisfy(\.sealed), "commit() with an output not sealed")
        let aborting = SignalPipe.abortsBlockingCalls
        SignalPipe.abortsBlockingCalls = false
        defer { SignalPipe.abortsBlockingCalls = aborting }
        for index in entries.indices {
            guard let temporary = entries[index].temporary else { continue }
            do {
                try renameFile(temporary, to: entries[index].output.target)
                entries[index].temporary = nil
                entries[index].renamed = true
            } catch {
                let restored = entries.filter(\.renamed).count
                let unrestored = restore()
                throw .commitFailed(
                    path: entries[index].output.destination, error,
                    restored: restored - unrestored.count,
                    unrestored: unrestored.map(\.path))
            }
        }
        state = .committed
    }

    /// Undoes the transaction: after `commit()`, every replaced output gets its previous file back
    /// (the same inode: bytes, mode, owner, times), every output that did not exist is removed, and
    /// so are the directories the transaction created; before it, the staged files are discarded.
    ///
    /// Throws `.restoreFailed` naming the outputs that could not be put back (they hold the new
    /// version); the others are restored all the same.
    public func rollback() throws(TemplaterError) {
        switch state {
        case .preparing:
            discard()
        case .committed:
            let aborting = SignalPipe.abortsBlockingCalls
            SignalPipe.abortsBlockingCalls = false
            defer { SignalPipe.abortsBlockingCalls = aborting }
            let failures = restore()
            if let first = failures.first {
                throw .restoreFailed(paths: failures.map(\.path), first.error)
            }
        case .rolledBack:
            return
        case .finished:
            preconditionFailure("rollback() after finish()")
        }
    }

    /// Keeps the new files: drops the previous ones kept aside. Before `commit()` it discards the
    /// staged files, as `rollback()` does.
    public func finish() {
        switch state {
        case .preparing:
            discard()
        case .committed:
            for entry in entries { entry.backup.map(removeFile) }
            state = .finished
        case .rolledBack, .finished:
            return
        }
    }

    // MARK: - Internals

    /// Puts back what `commit()` renamed (in reverse order), removes what is left of the
    /// transaction, and returns the outputs that could not be restored.
    private func restore() -> [(path: String, error: SystemError)] {
        var failures: [(path: String, error: SystemError)] = []
        for index in entries.indices.reversed() where entries[index].renamed {
            let entry = entries[index]
            do {
                if let backup = entry.backup {
                    try renameFile(backup, to: entry.output.target)
                    entries[index].backup = nil
                } else {
                    try unlinkFile(entry.output.target)
                }
                entries[index].renamed = false
            } catch {
                failures.append((entry.output.destination, error))
            }
        }
        discard()
        state = .rolledBack
        return failures.reversed()
    }

    /// Removes every temporary file and every file kept aside that was not put back, and the
    /// directories the transaction created (those still empty).
    private func discard() {
        for index in entries.indices {
            if entries[index].fd >= 0 { closeFile(entries[index].fd) }
            entries[index].fd = -1
            entries[index].temporary.map(removeFile)
            entries[index].temporary = nil
            // A backup of an output that was not renamed is a second name of the file in place.
            if !entries[index].renamed { entries[index].backup.map(removeFile) }
            entries[index].backup = nil
        }
        for directory in createdDirectories.reversed() { removeDirectory(directory) }
        createdDirectories = []
        state = .rolledBack
    }

    /// A second name for `target` in its directory, `.NAME.old-…`: a hard link, so that putting it
    /// back restores the very same file; a copy with the same mode and owner where links are refused
    /// (a file system without them, `fs.protected_hardlinks` for a file of another user).
    private func keepAside(_ target: String, status: FileStatus) throws(SystemError) -> String {
        let directory = parentDirectory(target)
        let base = target.split(separator: "/").last.map(String.init) ?? "output"
        var attempt = 0
        while true {
            let name = "\(directory)/.\(base).old-\(currentProcessID())-\(attempt)"
            do {
                try hardLink(target, to: name)
                return name
            } catch {
                if error.isAlreadyExisting && attempt < 100 {
                    attempt += 1
                    continue
                }
                guard error.matches(.notPermitted, .tooManyLinks, .notSupported, .accessDenied)
                else {
                    throw error
                }
                return try copyAside(target, status: status)
            }
        }
    }

    /// A copy of `target` beside it, with its mode and owner (see `keepAside`).
    private func copyAside(_ target: String, status: FileStatus) throws(SystemError) -> String {
        let directory = parentDirectory(target)
        let base = target.split(separator: "/").last.map(String.init) ?? "output"
        let (fd, path) = try makeTemporaryFile(beside: directory + "/." + base + ".old")
        defer { closeFile(fd) }
        do {
            let source = try openFile(target, .readNonBlocking)
            defer { closeFile(source) }
            let bytes = try readToEnd(source, name: target)
            try withBytes(bytes) { (raw) throws(SystemError) in try writeAll(fd, raw, name: path) }
            setOwner(fd, owner: status.owner, group: status.group)
            try setPermissions(fd, status.permissions, name: path)
            if durable { try syncFile(fd, name: path) }
        } catch {
            removeFile(path)
            throw error
        }
        return path
    }

    /// The file `destination` stands for and whether it exists: symbolic links are followed (at most
    /// 40, as the kernel does) to the file they name, existing or not.
    private static func resolveTarget(_ destination: String) throws(TemplaterError) -> (
        String, Bool
    ) {
        var path = destination
        for _ in 0..<40 {
            let status: FileStatus?
            do {
                status = try linkStatusIfPresent(path)
            } catch {
                throw .output(path: destination, error)
            }
            guard let status else { return (path, false) }
            switch status.kind {
            case .regular:
                return (path, true)
            case .symbolicLink:
                let contents: String
                do {
                    contents = try linkContents(path)
                } catch {
                    throw .output(path: destination, error)
                }
                path = contents.hasPrefix("/") ? contents : parentDirectory(path) + "/" + contents
            case .directory:
                throw .output(
                    path: destination, SystemError(.isDirectory, operation: "stat(\(path))"))
            default:
                throw .outputRefused(
                    path: destination,
                    reason: "it is \(fileKind(status)), not a regular file"
                        + "")
            }
        }
        throw .output(path: destination, SystemError(.loop, operation: "stat(\(path))"))
    }

    /// `path` with `//` and `/./` collapsed, to tell two spellings of one output apart.
    private static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            parts.append(part)
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// Whether the file at `path` holds exactly the `size`... bytes of `fd` (compared in chunks).
    private static func sameBytes(_ fd: Int32, _ path: String, size: Int, name: String)
        throws(SystemError) -> Bool
    {
        let written = try descriptorStatus(fd, name: name)
        if written.size != size { return false }
        let other = try openFile(path, .readNonBlocking)
        defer { closeFile(other) }
        let chunk = 64 * 1024
        let mine = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        let theirs = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer {
            mine.deallocate()
            theirs.deallocate()
        }
        var offset = 0
        while offset < size {
            let n = try readSome(
                fd, into: mine.baseAddress.unsafelyUnwrapped, count: min(chunk, size - offset),
                at: offset, name: name)
            if n == 0 { return false }
            var got = 0
            while got < n {
                let m = try readSome(
                    other, into: theirs.baseAddress.unsafelyUnwrapped + got, count: n - got,
                    name: path)
                if m == 0 { return false }
                got += m
            }
            if !UnsafeRawBufferPointer(rebasing: mine[0..<n]).elementsEqual(theirs[0..<n]) {
                return false
            }
            offset += n
        }
        return true
    }
}

/// "a FIFO", "a socket", ...: what a file that is not regular is, for messages.
func fileKind(_ status: FileStatus) -> String {
    switch status.kind {
    case .fifo: return "a FIFO"
    case .socket: return "a socket"
    case .characterDevice: return "a character device"
    case .blockDevice: return "a block device"
    case .directory: return "a directory"
    case .symbolicLink: return "a symbolic link"
    case .regular, .other: return "a special file"
    }
}
