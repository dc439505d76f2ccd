/// How wait events are printed: `text` (`tool: level: message`) or `json` (one object per line).
public enum WaitLogFormat: String, Sendable, Equatable, CaseIterable {
    /// `wait-for: info: db:5432 ready after 2.31s, 7 attempts`.
    case text
    /// `{"time":"...","tool":"wait-for","level":"info","event":"ready",...}`.
    case json
}
