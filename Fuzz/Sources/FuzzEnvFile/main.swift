// The Docker Compose `.env` parser, and the interpolation of its values, on arbitrary bytes.
//
// Invariants: no crash, no hang; a parse is deterministic; every entry has a name.

import FuzzSupport
import Templater

#if canImport(Glibc)
import Glibc
#endif

func fuzzEnvFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let first: EnvFile
    do {
        first = try EnvFile(bytes: bytes, path: ".env")
    } catch {
        _ = "\(error)"
        return 0
    }
    for entry in first.entries where entry.name.isEmpty {
        fatal("an entry without a name in \(literal(bytes))")
    }
    guard let again = try? EnvFile(bytes: bytes, path: ".env"), again.entries == first.entries
    else {
        fatal("two parses of \(literal(bytes)) differ")
    }
    // Interpolation against an environment, as `--env-file` does (through a real file). Later lines
    // can reuse earlier values (`B=$A$A`, `C=$B$B`, ...): without a bound on the references, the
    // values can grow exponentially, as in any interpolating format.
    guard dollars(bytes) <= 16 && multiplyingReferences(bytes) == 0 else { return 0 }
    let path = "/tmp/entrypoint-fuzz-\(getpid()).env"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { fatal("open \(path): errno \(errno)") }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    defer { unlink(path) }
    do {
        let variables = try Variables(
            environment: ["HOME": "/root", "EMPTY": ""], envFiles: [path])
        _ = variables.values.count
    } catch {
        _ = "\(error)"
    }
    return 0
}

runFuzzer(fuzzEnvFile)
