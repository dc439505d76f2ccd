/// A target that does not parse. Its description names the target (any password replaced by `***`)
/// and says what is wrong: `invalid target 'db:99999': port 99999 is out of range (1-65535)`.
public struct InvalidTarget: Error, Equatable, CustomStringConvertible {
    /// The target as given, password hidden.
    public var input: String
    /// What is wrong with it.
    public var reason: String

    /// Creates the error for `input` (already redacted).
    public init(input: String, reason: String) {
        self.input = input
        self.reason = reason
    }

    public var description: String { "invalid target '\(input)': \(reason)" }
}
