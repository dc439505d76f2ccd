import Platform

/// The private file whose path every hook gets in `ENTRYPOINT_ENV`: the `NAME=VALUE` lines a hook
/// appends there reach the later hooks and the server, as GitHub Actions' `$GITHUB_ENV` does.
///
/// The file lives in a new mode-0700 directory under `TMPDIR`, `/tmp`, `/dev/shm` or `/run` (the first
/// that works), so nothing is written next to the hooks and a read-only image works; it is removed
/// before the server starts. Syntax, one entry per line:
///
/// - `NAME=VALUE`: the value is the rest of the line, taken literally (no quotes, no escapes);
/// - `NAME<<DELIMITER`, then lines up to a line equal to `DELIMITER`: a multi-line value;
/// - blank lines are ignored; a trailing `\r` is dropped. Later entries win.
public struct HookEnvironmentFile {
    /// The file's path, the value of `ENTRYPOINT_ENV`.
    public let path: String
    private let directory: String

    /// Creates the file (empty, mode 0600) in the first usable temporary directory.
    public static func create(environment: Environment) throws(EntrypointError)
        -> HookEnvironmentFile
    {
        var candidates = ["/tmp", "/dev/shm", "/run"]
        if let tmp = environment["TMPDIR"], !tmp.isEmpty { candidates.insert(tmp, at: 0) }
        var firstError: (String, SystemError)?
        for candidate in candidates {
            do throws(SystemError) {
                let directory = try makeTemporaryDirectory(in: candidate, prefix: "entrypoint")
                let path = directory + "/env"
                do {
                    let fd = try openFile(path, .createNew, permissions: 0o600)
                    closeFile(fd)
                } catch {
                    removeDirectory(directory)
                    throw error
                }
                return HookEnvironmentFile(path: path, directory: directory)
            } catch {
                firstError = firstError ?? (candidate, error)
            }
        }
        let (path, error) = firstError ?? ("/tmp", SystemError(.notFound, operation: "mkdtemp"))
        throw .output(path: path + "/entrypoint.XXXXXX", error)
    }

    /// The entries in the file now, in order; `hook` names the writer in errors.
    public func entries(writtenBy hook: String) throws(EntrypointError) -> [(String, String)] {
        let bytes: [UInt8]
        do {
            bytes = try readWholeFile(path)
        } catch {
            throw .input(path: path, error)
        }
        return try Self.parse(String(decoding: bytes, as: UTF8.self), writtenBy: hook)
    }

    /// Removes the file and its directory.
    public func remove() {
        removeFile(path)
        removeDirectory(directory)
    }

    /// The entries of `text` (the file's syntax above).
    public static func parse(_ text: String, writtenBy hook: String) throws(EntrypointError)
        -> [(String, String)]
    {
        var lines = text.lines().map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if lines.last == "" { lines.removeLast() }
        var entries: [(String, String)] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let number = index + 1
            index += 1
            if line.trimmingBlanks().isEmpty { continue }
            let bytes = Array(line.utf8)
            if let marker = line.utf8Offset(of: "<<"),
                bytes.firstIndex(of: UInt8(ascii: "=")).map({ $0 > marker }) ?? true
            {
                let name = String(decoding: bytes[..<marker], as: UTF8.self)
                let delimiter = String(decoding: bytes[(marker + 2)...], as: UTF8.self)
                guard isVariableName(name) else {
                    throw .hookEnvironment(hook: hook, line: number, reason: "not a variable name")
                }
                guard !delimiter.isEmpty else {
                    throw .hookEnvironment(hook: hook, line: number, reason: "empty delimiter")
                }
                var value: [String] = []
                while true {
                    guard index < lines.count else {
                        throw .hookEnvironment(
                            hook: hook, line: number,
                            reason: "no line closes the value of \(name) (delimiter \(delimiter))")
                    }
                    let next = lines[index]
                    index += 1
                    if next == delimiter { break }
                    value.append(next)
                }
                entries.append((name, value.joined(separator: "\n")))
            } else if let equals = line.firstIndex(of: "=") {
                let name = String(line[..<equals])
                guard isVariableName(name) else {
                    throw .hookEnvironment(hook: hook, line: number, reason: "not a variable name")
                }
                entries.append((name, String(line[line.index(after: equals)...])))
            } else {
                throw .hookEnvironment(
                    hook: hook, line: number, reason: "expected NAME=VALUE or NAME<<DELIMITER")
            }
        }
        return entries
    }
}

/// True for a shell variable name: `[A-Za-z_][A-Za-z0-9_]*`.
func isVariableName(_ name: String) -> Bool {
    guard let first = name.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
    return name.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) || $0 == 0x5f
    }
}
