/// The HTTP probe: `GET path HTTP/1.1` with `Connection: close`; the status line decides.
///
/// Ready when the status is in `statuses` (200–399 by default, so a redirect counts as an answer: it
/// is not followed). Anything else (503 while the application warms up) means keep waiting.
struct HTTPConversation: Conversation {
    /// Where it runs, for messages: `127.0.0.1:8080`.
    let peer: String
    /// The `Host` header: the target's host, with its port unless 80.
    let hostHeader: String
    let path: String
    let statuses: ClosedRange<Int>
    private var buffer: [UInt8] = []

    /// The longest status line accepted.
    private static let maximumStatusLine = 8 * 1024

    /// A conversation asking `GET path` of `hostHeader` at `peer`.
    init(peer: String, hostHeader: String, path: String, statuses: ClosedRange<Int>) {
        self.peer = peer
        self.hostHeader = hostHeader
        self.path = path
        self.statuses = statuses
    }

    mutating func opening() -> [UInt8] {
        buffer = []
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: wait-for\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n"
        return Array(request.utf8)
    }

    mutating func receive(_ bytes: [UInt8]) -> ConversationStep {
        buffer += bytes
        guard let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.count > Self.maximumStatusLine {
                return .done(
                    .notReady("\(peer): not an HTTP server (no status line)"), farewell: [])
            }
            return .needMore
        }
        var line = String(decoding: buffer[..<newline], as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3,
            let status = Int(parts[1])
        else {
            return .done(
                .notReady("\(peer): not an HTTP server (it answered \(quoted(line)))"), farewell: []
            )
        }
        let reason = parts.count > 2 ? " " + parts[2] : ""
        let answer = "HTTP \(status)\(reason)"
        if statuses.contains(status) {
            return .done(.ready(detail: answer, warning: false), farewell: [])
        }
        return .done(
            .notReady(
                "\(peer): \(answer) (ready means \(statuses.lowerBound)-\(statuses.upperBound))"),
            farewell: [])
    }

    func endOfStream() -> Verdict {
        .notReady("\(peer): the server closed the connection before answering")
    }

    /// `line` in quotes, cut to 60 characters.
    private func quoted(_ line: String) -> String {
        let cut = line.count > 60 ? String(line.prefix(60)) + "..." : line
        return "'\(cut)'"
    }
}
