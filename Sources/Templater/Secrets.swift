import Platform

/// Whether a variable's name marks its value as secret: it contains PASSWORD, SECRET, TOKEN or KEY
/// (in any case). Secret values never appear in any output but the rendered files.
public func isSecretName(_ name: String) -> Bool {
    let upper = name.uppercased()
    return ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY"].contains { upper.containsText($0) }
}

/// Applies the docker-library `file_env` convention to `environment`: every `X_FILE=path` supplies `X`
/// with the file's contents, trailing newlines stripped, and `X_FILE` itself is removed.
///
/// `X` and `X_FILE` both non-empty is an error naming both (exit 1); an unreadable file is an input
/// error naming the variable and the path (exit 66). Returns the new environment and the names whose
/// values came from files (secret by definition).
public func resolveFileSecrets(
    _ environment: [String: String]
) throws(TemplaterError) -> (environment: [String: String], secretNames: Set<String>) {
    var result = environment
    var secretNames: Set<String> = []
    var problems: [Diagnostic] = []
    for (fileName, path) in environment.sorted(by: { $0.key < $1.key })
    where fileName.hasSuffix("_FILE") {
        let name = String(fileName.dropLast(5))
        guard isValidName(name) else { continue }
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
        var bytes: [UInt8]
        do {
            bytes = try readWholeFile(path)
        } catch {
            throw .input(path: "\(path) (\(fileName))", error)
        }
        while bytes.last == 0x0A { bytes.removeLast() }
        result[name] = String(decoding: bytes, as: UTF8.self)
        secretNames.insert(name)
    }
    if !problems.isEmpty { throw .diagnostics(problems) }
    return (result, secretNames)
}
