/// A target that did not become ready, with the reason from its last attempt.
public struct TargetFailure: Sendable, Equatable, CustomStringConvertible {
    /// The target.
    public var target: Target
    /// The last attempt's error, e.g. `connect(127.0.0.1:5432): Connection refused (errno 111)`.
    public var reason: String
    /// How many attempts were made.
    public var attempts: Int

    /// Creates a failure record.
    public init(target: Target, reason: String, attempts: Int) {
        self.target = target
        self.reason = reason
        self.attempts = attempts
    }

    public var description: String { "\(target): \(reason)" }
}
