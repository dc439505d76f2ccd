import Platform

/// A chunked reader over a file descriptor: the scanners look at a window of bytes, consume what they
/// have handled, and refill. Memory stays at one chunk unless a single reference is longer than that.
public final class ByteInput {
    /// The bytes read so far and not yet consumed are `storage[start..<end]`.
    private var storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// True once `read(2)` returned 0.
    public private(set) var reachedEnd = false
    /// The offset in the whole input of the first unconsumed byte.
    public private(set) var offset: Int = 0
    /// The name in error messages: a path, or `<stdin>`.
    public let name: String

    /// The size of one read.
    public static let chunkSize = 64 * 1024

    /// Reads from `fd`, which the caller keeps open and closes, `chunkSize` bytes at a time (tests use
    /// tiny chunks to cut references at every possible place).
    public init(fd: Int32, name: String, chunkSize: Int = ByteInput.chunkSize) {
        self.fd = fd
        self.name = name
        self.ownsDescriptor = false
        self.storage = .allocate(byteCount: max(chunkSize, 1), alignment: 16)
    }

    /// Opens `path` for reading.
    public init(path: String) throws(SystemError) {
        self.fd = try openFile(path, .read)
        self.name = path
        self.ownsDescriptor = true
        self.storage = .allocate(byteCount: Self.chunkSize, alignment: 16)
    }

    /// Reads from in-memory `bytes` (tests, `-v` format strings, env values).
    public init(bytes: [UInt8], name: String) {
        self.fd = -1
        self.name = name
        self.ownsDescriptor = false
        self.storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        self.end = bytes.count
        self.reachedEnd = true
    }

    deinit {
        storage.deallocate()
        if ownsDescriptor { closeFile(fd) }
    }

    /// The unconsumed bytes currently in memory. Valid until the next `refill()`.
    public var window: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[start..<end])
    }

    /// Marks the first `count` bytes of the window as handled.
    public func consume(_ count: Int) {
        start += count
        offset += count
    }

    /// Reads more input behind the current window, keeping the window's bytes; returns false at end of
    /// input (nothing was added).
    ///
    /// The window moves to the front of the buffer; the buffer doubles only when the window fills it.
    @discardableResult
    public func refill() throws(SystemError) -> Bool {
        if reachedEnd { return false }
        let pending = end - start
        if start > 0 {
            if pending > 0, let base = storage.baseAddress {
                base.copyMemory(from: base + start, byteCount: pending)
            }
            start = 0
            end = pending
        }
        if end == storage.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(
                byteCount: storage.count * 2, alignment: 16)
            bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[0..<end]))
            storage.deallocate()
            storage = bigger
        }
        guard let base = storage.baseAddress else { return false }
        let n = try readSome(fd, into: base + end, count: storage.count - end, name: name)
        if n == 0 {
            reachedEnd = true
            return false
        }
        end += n
        return true
    }
}
