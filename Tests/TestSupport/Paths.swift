#if canImport(Glibc)
import Glibc
#endif

/// Where the package and its built binaries are.
public enum Paths {
    /// The package root (the directory holding Package.swift).
    public static let packageRoot: String = {
        var path = #filePath
        for _ in 0..<3 {
            if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
        }
        return path
    }()

    /// The directory of the built executables: the test bundle sits next to them in `.build/debug`.
    /// `TOOLKIT_BIN_DIR` overrides it (e.g. `dist/` to test the release binaries).
    public static let binDirectory: String = {
        if let override = getenv("TOOLKIT_BIN_DIR") { return String(cString: override) }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe =
            n > 0
            ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        var dir = exe
        if let slash = dir.lastIndex(of: "/") { dir = String(dir[..<slash]) }
        // The runner is .build/<triple>/debug/<Package>PackageTests.xctest (a file on Linux).
        return dir
    }()

    /// The path of a built executable.
    public static func binary(_ name: String) -> String { binDirectory + "/" + name }

    /// A fresh, empty temporary directory; removed by `removeTree` when the test is done.
    public static func temporaryDirectory(_ prefix: String = "toolkit") -> String {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer {
            mkdtemp($0.baseAddress.unsafelyUnwrapped)
        }
        guard let result else { return "/tmp" }
        return String(cString: result)
    }

    /// `rm -rf path`.
    public static func removeTree(_ path: String) {
        guard path.hasPrefix("/tmp/") else { return }
        _ = try? run("/bin/rm", ["-rf", path])
    }
}

/// Writes `text` to `path`, creating or truncating it.
public func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) {
    writeFile(path, bytes: Array(text.utf8), mode: mode)
}

/// Writes `bytes` to `path`, creating or truncating it.
public func writeFile(_ path: String, bytes: [UInt8], mode: mode_t = 0o644) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { return }
    defer { close(fd) }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    fchmod(fd, mode)
}

/// The bytes of the file at `path`, or nil when it cannot be read.
public func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return result }
        result.append(contentsOf: buffer[0..<n])
    }
}

/// The text of the file at `path`, or nil.
public func readText(_ path: String) -> String? {
    readFile(path).map { String(decoding: $0, as: UTF8.self) }
}
