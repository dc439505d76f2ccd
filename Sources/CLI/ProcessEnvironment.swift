import Platform

/// The process environment as a value: the libraries never read it themselves (STYLE: pure core).
public enum ProcessEnvironment {
    /// Every `NAME=value` of `environ`; when a name appears twice the first wins, as `getenv` does.
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                let name = String(pair[..<equals])
                if result[name] == nil {
                    result[name] = String(pair[pair.index(after: equals)...])
                }
            }
            entry += 1
        }
        return result
    }
}
