// What the fuzz harnesses share: reading choices from the fuzzer's bytes, in-memory files for the
// renderers' descriptors, spawning an oracle, and reporting a difference.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// MARK: - Input

/// The fuzzer's bytes read as a stream of choices; an exhausted stream answers 0, so every generator
/// driven by it terminates.
public struct Choices {
    private let bytes: [UInt8]
    private var index = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether every byte has been read.
    public var isExhausted: Bool { index >= bytes.count }

    /// The next byte, or 0.
    public mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// A number in `range`, from one byte.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(byte()) % (range.count)
    }

    /// One of `options`.
    public mutating func pick<T>(_ options: [T]) -> T { options[Int(byte()) % options.count] }

    /// True with `percent` per cent probability (for a uniform byte).
    public mutating func chance(_ percent: Int) -> Bool { Int(byte()) % 100 < percent }
}

/// Splits `bytes` at the first NUL: the lines before it (the header: options, environment) and the
/// bytes after it (the template, which may hold more NULs). Without a NUL, everything is the template.
public func splitHeader(_ bytes: ArraySlice<UInt8>) -> (lines: [[UInt8]], body: [UInt8]) {
    guard let nul = bytes.firstIndex(of: 0) else { return ([], Array(bytes)) }
    let lines = bytes[..<nul].split(separator: 0x0A, omittingEmptySubsequences: true).map {
        Array($0)
    }
    return (lines, Array(bytes[(nul + 1)...]))
}

/// `NAME=VALUE` split at the first `=`, or nil without one.
public func splitAssignment(_ line: [UInt8]) -> (name: [UInt8], value: [UInt8])? {
    guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { return nil }
    return (Array(line[..<equals]), Array(line[(equals + 1)...]))
}

/// The number of references in `bytes` that can multiply the size of the output: substitutions
/// (`${N/`) and assignments (`${N=`, `${N:=`). A few of them, nested or reusing each other's results,
/// can ask for an output of any size (`${A//?/${A//?/$A}}`, as in bash: a "billion laughs"), which no
/// renderer can produce in time: the harnesses leave such inputs out rather than report them as hangs.
public func multiplyingReferences(_ bytes: [UInt8]) -> Int {
    var count = 0
    var index = 0
    while index + 2 < bytes.count {
        guard bytes[index] == UInt8(ascii: "$"), bytes[index + 1] == UInt8(ascii: "{") else {
            index += 1
            continue
        }
        index += 2
        while index < bytes.count && isNameByte(bytes[index]) { index += 1 }
        if index < bytes.count && bytes[index] == UInt8(ascii: ":") { index += 1 }
        if index < bytes.count
            && (bytes[index] == UInt8(ascii: "/") || bytes[index] == UInt8(ascii: "="))
        {
            count += 1
        }
    }
    return count
}

/// The number of `$` in `bytes`.
public func dollars(_ bytes: [UInt8]) -> Int { bytes.reduce(0) { $0 + ($1 == 0x24 ? 1 : 0) } }

private func isNameByte(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
        || byte == UInt8(ascii: "_")
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
}

// MARK: - In-memory files

/// An unlinked temporary file: a descriptor the renderers can read or write without a size limit
/// (a pipe would block once its buffer is full).
public final class MemoryFile {
    public let fd: Int32

    public init(_ contents: [UInt8] = []) {
        var template = Array("/tmp/entrypoint-fuzz-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { fatal("mkstemp failed: errno \(errno)") }
        unlink(template)
        self.fd = fd
        write(contents)
        rewind()
    }

    deinit { close(fd) }

    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset)
            }
            guard written > 0 else { fatal("write failed: errno \(errno)") }
            offset += written
        }
    }

    public func rewind() { lseek(fd, 0, SEEK_SET) }

    /// Everything in the file.
    public func contents() -> [UInt8] {
        rewind()
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            result += buffer[..<count]
        }
        return result
    }
}

// MARK: - Oracles

/// Runs `path` with `arguments` (argv[0] included) and `environment`, stdin from `input`, stdout and
/// stderr into the returned files; returns the exit status (128+n for a signal).
public func spawn(
    _ path: String, arguments: [[UInt8]], environment: [[UInt8]], input: MemoryFile
) -> (status: Int32, output: [UInt8], error: [UInt8]) {
    let output = MemoryFile()
    let error = MemoryFile()
    input.rewind()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input.fd, 0)
    posix_spawn_file_actions_adddup2(&actions, output.fd, 1)
    posix_spawn_file_actions_adddup2(&actions, error.fd, 2)
    let argv = arguments.map { cString($0) } + [nil]
    let envp = environment.map { cString($0) } + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard result == 0 else { fatal("posix_spawn \(path) failed: errno \(result)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        guard errno == EINTR else { fatal("waitpid failed: errno \(errno)") }
    }
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, output.contents(), error.contents())
}

/// A `strdup`ed C string of `bytes` (which hold no NUL).
private func cString(_ bytes: [UInt8]) -> UnsafeMutablePointer<CChar>? {
    (bytes.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer {
        $0.baseAddress.flatMap { strdup($0) }
    }
}

// MARK: - Driver

/// libFuzzer's entry point for programs that keep their own `main` (SwiftPM renames an executable's
/// `main`, so libFuzzer's cannot be used).
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with the command line's options on `test`, which is called once per input.
public func runFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runDriver(&argc, &argv, test))
}

// MARK: - Reporting

/// Writes `message` to stderr.
public func report(_ message: String) {
    var text = message + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// A byte string as a Swift literal: readable, and exact for every byte.
public func literal(_ bytes: [UInt8]) -> String {
    var result = "\""
    for byte in bytes {
        switch byte {
        case 0x0A: result += "\\n"
        case 0x09: result += "\\t"
        case 0x22: result += "\\\""
        case 0x5C: result += "\\\\"
        case 0x20...0x7E: result += String(UnicodeScalar(byte))
        default: result += "\\x" + String(byte, radix: 16)
        }
    }
    return result + "\""
}

/// Reports a difference or a broken invariant and aborts, which libFuzzer records as a crash with
/// the input that caused it.
public func fatal(_ message: String) -> Never {
    report("FUZZ FAILURE: " + message)
    abort()
}
