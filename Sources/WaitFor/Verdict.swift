/// What one attempt on a target (or one connection of it) concluded.
enum Verdict: Equatable {
    /// Ready; `detail` is worth logging (the MySQL server version, PostgreSQL's 53300), and
    /// `warning` makes the ready line a warning.
    case ready(detail: String?, warning: Bool)
    /// Not ready yet; keep waiting. The text is the error for the log and the timeout message.
    case notReady(String)
    /// Waiting cannot fix this (MySQL 1129): end the wait with exit 69.
    case unavailable(String)

    /// Ready without anything to add.
    static let plainlyReady = Verdict.ready(detail: nil, warning: false)
}
