internal import Glibc

/// An inotify instance (inotify(7)): one non-blocking, close-on-exec descriptor that becomes readable
/// when a watched directory or file changes, for `--watch`.
///
/// The descriptor goes into the supervisor's `poll` set; nothing here polls or sleeps, so a watching
/// entrypoint costs no CPU while nothing changes. Each watch is a watch descriptor (`wd`) on an
/// inode, not on a path: a directory that is replaced by another of the same name keeps its old
/// watch until `IN_IGNORED`, and the caller adds the new one (`Watcher` re-arms after every batch).
public final class Inotify {
    /// The inotify descriptor (`inotify_init1(2)`); -1 once closed.
    public private(set) var descriptor: Int32

    /// What an event reports, or what a watch asks for: the `IN_*` bits of inotify(7).
    public struct Mask: OptionSet, Sendable, Hashable {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// `IN_MODIFY`: a file was written to.
        public static let modify = Mask(rawValue: UInt32(IN_MODIFY))
        /// `IN_ATTRIB`: metadata changed (mode, owner, link count, timestamps).
        public static let attributes = Mask(rawValue: UInt32(IN_ATTRIB))
        /// `IN_CLOSE_WRITE`: a file opened for writing was closed (the end of an in-place write).
        public static let closeWrite = Mask(rawValue: UInt32(IN_CLOSE_WRITE))
        /// `IN_MOVED_FROM`: a name was renamed away from the watched directory.
        public static let movedFrom = Mask(rawValue: UInt32(IN_MOVED_FROM))
        /// `IN_MOVED_TO`: a name was renamed into the watched directory (kubelet's `..data`, an
        /// editor's write-and-rename).
        public static let movedTo = Mask(rawValue: UInt32(IN_MOVED_TO))
        /// `IN_CREATE`: a name was created in the watched directory.
        public static let create = Mask(rawValue: UInt32(IN_CREATE))
        /// `IN_DELETE`: a name was removed from the watched directory.
        public static let delete = Mask(rawValue: UInt32(IN_DELETE))
        /// `IN_DELETE_SELF`: the watched directory itself was removed.
        public static let deleteSelf = Mask(rawValue: UInt32(IN_DELETE_SELF))
        /// `IN_MOVE_SELF`: the watched directory itself was renamed.
        public static let moveSelf = Mask(rawValue: UInt32(IN_MOVE_SELF))
        /// `IN_UNMOUNT`: the file system holding the watched directory was unmounted.
        public static let unmount = Mask(rawValue: UInt32(IN_UNMOUNT))
        /// `IN_Q_OVERFLOW`: the kernel's queue overflowed and events were lost (wd is -1).
        public static let overflow = Mask(rawValue: UInt32(IN_Q_OVERFLOW))
        /// `IN_IGNORED`: the watch was removed (explicitly, or because its inode is gone).
        public static let ignored = Mask(rawValue: UInt32(IN_IGNORED))
        /// `IN_ISDIR`: the event's subject is a directory.
        public static let isDirectory = Mask(rawValue: UInt32(IN_ISDIR))
        /// `IN_ONLYDIR`: the watch is added only if the path is a directory.
        public static let onlyDirectory = Mask(rawValue: UInt32(IN_ONLYDIR))
        /// `IN_EXCL_UNLINK`: no events for names after they were unlinked from the directory.
        public static let excludeUnlinked = Mask(rawValue: UInt32(IN_EXCL_UNLINK))
    }

    /// One event read from the descriptor.
    public struct Event: Equatable, Sendable, CustomStringConvertible {
        /// The watch it belongs to (-1 for `overflow`).
        public var watch: Int32
        /// What happened.
        public var mask: Mask
        /// Pairs an `IN_MOVED_FROM` with its `IN_MOVED_TO`.
        public var cookie: UInt32
        /// The name inside the watched directory; empty for events on the watched inode itself.
        public var name: String

        /// An event from its parts.
        public init(watch: Int32, mask: Mask, cookie: UInt32 = 0, name: String) {
            self.watch = watch
            self.mask = mask
            self.cookie = cookie
            self.name = name
        }

        /// `wd 1 IN_MOVED_TO ..data`, for debug lines.
        public var description: String {
            let names: [(Mask, String)] = [
                (.modify, "IN_MODIFY"), (.attributes, "IN_ATTRIB"),
                (.closeWrite, "IN_CLOSE_WRITE"), (.movedFrom, "IN_MOVED_FROM"),
                (.movedTo, "IN_MOVED_TO"), (.create, "IN_CREATE"), (.delete, "IN_DELETE"),
                (.deleteSelf, "IN_DELETE_SELF"), (.moveSelf, "IN_MOVE_SELF"),
                (.unmount, "IN_UNMOUNT"), (.overflow, "IN_Q_OVERFLOW"), (.ignored, "IN_IGNORED"),
                (.isDirectory, "IN_ISDIR"),
            ]
            let bits = names.filter { mask.contains($0.0) }.map(\.1).joined(separator: "|")
            return "wd \(watch) \(bits)" + (name.isEmpty ? "" : " \(name)")
        }
    }

    /// `inotify_init1(IN_CLOEXEC | IN_NONBLOCK)`: a new instance whose descriptor is not inherited
    /// by the server or the checks and never blocks a read.
    public init() throws(SystemError) {
        descriptor = try retryingOnInterrupt("inotify_init1") {
            inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        }
    }

    deinit { close() }

    /// `close(2)` of the descriptor: every watch goes with it. Safe to call twice.
    public func close() {
        guard descriptor >= 0 else { return }
        closeFile(descriptor)
        descriptor = -1
    }

    /// `inotify_add_watch(2)`: watches `path` (symbolic links followed) for `mask`; returns the watch
    /// descriptor. Adding a watch for an inode already watched returns its existing descriptor, with
    /// the mask replaced.
    public func addWatch(_ path: String, _ mask: Mask) throws(SystemError) -> Int32 {
        try retryingOnInterrupt("inotify_add_watch(\(path))") {
            inotify_add_watch(descriptor, path, mask.rawValue)
        }
    }

    /// `inotify_rm_watch(2)`; a watch the kernel already dropped (EINVAL) is not an error here. The
    /// kernel queues an `ignored` event for it.
    public func removeWatch(_ watch: Int32) {
        _ = inotify_rm_watch(descriptor, watch)
    }

    /// Every event queued now, read with `read(2)` until it would block; empty when none is queued.
    public func readEvents() throws(SystemError) -> [Event] {
        var events: [Event] = []
        // Room for many events at once; inotify(7) asks for at least one event with the longest
        // name, sizeof(struct inotify_event) + NAME_MAX + 1.
        let capacity = 16 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: capacity, alignment: MemoryLayout<inotify_event>.alignment)
        defer { buffer.deallocate() }
        let header = MemoryLayout<inotify_event>.size
        while true {
            let count = read(descriptor, buffer.baseAddress, capacity)
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { return events }
                throw SystemError(errno: code, operation: "read(inotify)")
            }
            if count == 0 { return events }
            var offset = 0
            while offset + header <= count {
                let raw = buffer.baseAddress.unsafelyUnwrapped + offset
                let watch = raw.loadUnaligned(as: Int32.self)
                let mask = raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
                let cookie = raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
                let length = Int(raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
                // The name is NUL-terminated and padded with more NULs to an aligned size.
                let nameBytes = UnsafeRawBufferPointer(start: raw + header, count: length)
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                events.append(
                    Event(watch: watch, mask: Mask(rawValue: mask), cookie: cookie, name: name))
                offset += header + length
            }
        }
    }
}
