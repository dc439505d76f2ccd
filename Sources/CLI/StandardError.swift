import Platform

/// Log lines on stderr, one per event, unbuffered: `templater: error: ...`.
///
/// stdout carries data only (rendered templates, `vars` lists); everything for the operator goes here.
public struct StandardError: Sendable {
    /// The tool name that starts every line.
    public var tool: String

    /// Creates a writer whose lines start with `tool`.
    public init(tool: String) { self.tool = tool }

    /// Writes `text` followed by a newline as one `write(2)`, so concurrent lines never interleave.
    public static func writeLine(_ text: String) {
        try? writeAll(2, text + "\n", name: "stderr")
    }

    /// Writes `tool: level: message`.
    public func log(_ level: String, _ message: String) {
        Self.writeLine("\(tool): \(level): \(message)")
    }

    /// Writes `tool: error: message`.
    public func error(_ message: String) { log("error", message) }
}

/// Writes `text` to stdout without buffering.
public func writeStandardOutput(_ text: String) {
    try? writeAll(1, text, name: "stdout")
}
