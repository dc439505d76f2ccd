import Platform

/// Whether a variable's name marks its value as secret: it contains PASSWORD, SECRET, TOKEN or KEY
/// (in any case). Secret values never appear in any output but the rendered files.
public func isSecretName(_ name: String) -> Bool {
    // Called for every variable at start-up: compare bytes in place (ASCII case folded), no allocation.
    var name = name
    return name.withUTF8 { bytes in
        secretMarkers.contains { marker in containsFolded(bytes, marker) }
    }
}

/// The upper-case words that make a name secret.
private let secretMarkers: [[UInt8]] = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY"].map {
    Array($0.utf8)
}

/// Whether `marker` (upper case ASCII) occurs in `bytes`, ignoring ASCII case.
private func containsFolded(_ bytes: UnsafeBufferPointer<UInt8>, _ marker: [UInt8]) -> Bool {
    guard bytes.count >= marker.count else { return false }
    for start in 0...(bytes.count - marker.count) {
        var index = 0
        while index < marker.count {
            let byte = bytes[start + index]
            let upper = byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
            if upper != marker[index] { break }
            index += 1
        }
        if index == marker.count { return true }
    }
    return false
}

/// Applies the docker-library `file_env` convention to `environment`: every `X_FILE=path` whose `X`
/// `covering` takes supplies `X` with the file's contents, trailing newlines stripped, and `X_FILE`
/// itself is removed; the other `X_FILE` variables stay as they are.
///
/// `X` and `X_FILE` both non-empty is an error naming both (exit 1); an unreadable file, or one
/// larger than `InputFile.sizeLimit`, is an input error naming the variable and the path (exit 66).
/// Returns the new environment and the names whose values came from files (secret by definition).
/// The values as text: a file's bytes that are not UTF-8 become U+FFFD
/// (`resolveFileSecrets(bytes:covering:)` keeps them).
public func resolveFileSecrets(
    _ environment: [String: String], covering: FileSecrets = .all
) throws(TemplaterError) -> (environment: [String: String], secretNames: Set<String>) {
    let resolved = try resolveFileSecrets(
        bytes: environment.mapValues { Array($0.utf8) }, covering: covering)
    return (
        resolved.environment.mapValues { String(decoding: $0, as: UTF8.self) },
        resolved.secretNames
    )
}

/// `resolveFileSecrets(_:covering:)` on values of bytes: a secret file's contents are kept byte for
/// byte.
public func resolveFileSecrets(
    bytes environment: [String: [UInt8]], covering: FileSecrets = .all
) throws(TemplaterError) -> (environment: [String: [UInt8]], secretNames: Set<String>) {
    var result = environment
    var secretNames: Set<String> = []
    var problems: [Diagnostic] = []
    for (fileName, pathBytes) in environment.sorted(by: { $0.key < $1.key })
    where fileName.hasSuffix("_FILE") {
        let name = String(fileName.dropLast(5))
        guard isValidName(name), covering.covers(name) else { continue }
        let path = String(decoding: pathBytes, as: UTF8.self)
        if let direct = environment[name], !direct.isEmpty, !path.isEmpty {
            problems.append(
                Diagnostic(
                    .error, at: nil, "both \(name) and \(fileName) are set (but are exclusive)",
                    notes: [
                        "unset one of them: \(fileName) names a file holding the value of \(name)"
                    ]))
            continue
        }
        result[fileName] = nil
        if path.isEmpty { continue }
        var bytes = try InputFile.read(path, label: fileName)
        while bytes.last == 0x0A { bytes.removeLast() }
        result[name] = bytes
        secretNames.insert(name)
    }
    if !problems.isEmpty { throw .diagnostics(problems) }
    return (result, secretNames)
}
