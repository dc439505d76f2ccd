import Entrypoint
import Foundation
import TestSupport
import Testing

@Suite struct HookEnvironmentFileTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var behaviour: String
        var text: String
        var entries: [Entry]
        var testDescription: String { behaviour }
    }
    struct Entry: Equatable, Sendable {
        var name: String
        var value: String
        init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    @Test(arguments: [
        Row(
            behaviour: "one NAME=VALUE per line", text: "A=1\nB=two words\n",
            entries: [.init("A", "1"), .init("B", "two words")]),
        Row(
            behaviour: "the value is literal", text: "Q=\"x\" 'y' $Z \\n\n",
            entries: [.init("Q", "\"x\" 'y' $Z \\n")]),
        Row(behaviour: "= in the value", text: "URL=a=b=c\n", entries: [.init("URL", "a=b=c")]),
        Row(behaviour: "empty value", text: "EMPTY=\n", entries: [.init("EMPTY", "")]),
        Row(behaviour: "blank lines and CRLF", text: "\r\nA=1\r\n\n", entries: [.init("A", "1")]),
        Row(behaviour: "no final newline", text: "A=1", entries: [.init("A", "1")]),
        Row(
            behaviour: "heredoc value", text: "CERT<<EOF\nline 1\nline 2\nEOF\nB=2\n",
            entries: [.init("CERT", "line 1\nline 2"), .init("B", "2")]),
        Row(
            behaviour: "later lines repeat a name", text: "A=1\nA=2\n",
            entries: [.init("A", "1"), .init("A", "2")]),
        Row(
            behaviour: "<< after = is part of the value", text: "A=x<<y\n",
            entries: [.init("A", "x<<y")]),
    ])
    func parses(_ row: Row) throws {
        let entries = try HookEnvironmentFile.parse(row.text, writtenBy: "hook").map {
            Entry($0.0, $0.1)
        }
        #expect(entries == row.entries)
    }

    @Test(arguments: [
        ("a line without =", "A=1\njust text\n", 2, "expected NAME=VALUE or NAME<<DELIMITER"),
        ("an invalid name", "1A=x\n", 1, "not a variable name"),
        ("a name with a blank", "MY VAR=x\n", 1, "not a variable name"),
        ("an unclosed heredoc", "A<<END\nx\n", 1, "no line closes the value of A (delimiter END)"),
    ])
    func rejects(_ behaviour: String, _ text: String, _ line: Int, _ reason: String) {
        #expect(
            throws: EntrypointError.hookEnvironment(hook: "migrate", line: line, reason: reason),
            "\(behaviour)"
        ) {
            try HookEnvironmentFile.parse(text, writtenBy: "migrate")
        }
    }

    @Test func theFileIsPrivateAndRemoved() throws {
        let file = try HookEnvironmentFile.create(environment: [:])
        var info = stat()
        #expect(stat(file.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let directory = String(file.path.dropLast(4))
        #expect(stat(directory, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        file.remove()
        #expect(stat(file.path, &info) != 0)
        #expect(stat(directory, &info) != 0)
    }

    @Test func tmpdirIsPreferred() throws {
        let directory = Paths.temporaryDirectory("hookenv")
        defer { Paths.removeTree(directory) }
        let file = try HookEnvironmentFile.create(environment: ["TMPDIR": directory])
        defer { file.remove() }
        #expect(file.path.hasPrefix(directory + "/entrypoint."))
    }
}
