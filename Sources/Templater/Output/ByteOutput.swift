import Platform

/// A buffered writer to a file descriptor: runs of template text are copied in one `memcpy`, and the
/// buffer is written with one `write(2)` when full. Large runs bypass the buffer.
public final class ByteOutput {
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    private let fd: Int32
    /// The name in error messages: a path, or `<stdout>`.
    public let name: String
    /// Where flushed bytes go: the descriptor, nowhere (`check` runs the renderer without output), or
    /// `collected`. `write` does not test it, so that the hot path has one branch.
    private let sink: Sink
    /// The bytes flushed so far by an in-memory output (`memory(name:)`).
    public private(set) var collected: [UInt8] = []

    private enum Sink {
        case descriptor
        case discard
        case memory
    }

    /// The size of the buffer.
    public static let bufferSize = 64 * 1024

    /// Writes to `fd`, which the caller keeps open and closes.
    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        self.sink = .descriptor
        self.buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    /// A sink that drops everything: for checking without rendering.
    public static func discard() -> ByteOutput {
        ByteOutput(sink: .discard, name: "<none>")
    }

    /// An output that keeps its bytes in `collected` (env-file values, tests): rendering into memory
    /// takes the same path as rendering to a file.
    public static func memory(name: String) -> ByteOutput {
        ByteOutput(sink: .memory, name: name)
    }

    private init(sink: Sink, name: String) {
        self.fd = -1
        self.name = name
        self.sink = sink
        self.buffer = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// Appends `bytes`.
    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        try write(base, count: bytes.count)
    }

    /// Appends the `count` bytes at `base`: a `memcpy` into the buffer when they fit, which is the
    /// scanners' hot path (one call per run of text and per value).
    @inline(__always)
    public func write(_ base: UnsafeRawPointer, count: Int) throws(SystemError) {
        if count <= buffer.count &- used {
            (buffer.baseAddress.unsafelyUnwrapped + used).copyMemory(from: base, byteCount: count)
            used &+= count
        } else {
            try writeSlowly(base, count: count)
        }
    }

    /// Appends bytes that do not fit in the buffer: flushes it, then buffers them or, when they are at
    /// least a buffer long, writes them directly.
    private func writeSlowly(_ base: UnsafeRawPointer, count: Int) throws(SystemError) {
        try flush()
        if count >= buffer.count {
            try deliver(UnsafeRawBufferPointer(start: base, count: count))
            return
        }
        (buffer.baseAddress.unsafelyUnwrapped + used).copyMemory(from: base, byteCount: count)
        used += count
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws(SystemError) {
        try withBytes(bytes) { (raw) throws(SystemError) in try write(raw) }
    }

    /// Appends the UTF-8 bytes of `text`.
    public func write(_ text: String) throws(SystemError) {
        try withUTF8Bytes(text) { (raw) throws(SystemError) in try write(raw) }
    }

    /// Appends one byte.
    @inline(__always)
    public func write(byte: UInt8) throws(SystemError) {
        if used == buffer.count { try flush() }
        buffer[used] = byte
        used += 1
    }

    /// Writes everything buffered (a discarding sink just empties its buffer; an in-memory one appends it to `collected`).
    public func flush() throws(SystemError) {
        if used == 0 { return }
        let pending = UnsafeRawBufferPointer(rebasing: buffer[0..<used])
        used = 0
        try deliver(pending)
    }

    /// Hands flushed bytes to the sink.
    private func deliver(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        switch sink {
        case .descriptor: try writeAll(fd, bytes, name: name)
        case .discard: break
        case .memory: collected.append(contentsOf: bytes)
        }
    }
}
