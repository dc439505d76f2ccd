import Foundation
import TestSupport
import Testing

/// A SIGTERM between the end of the preparations and the `execve` of the server is never swallowed:
/// `entrypoint` and `wait-for ... -- COMMAND` go through one exec-as-PID-1 routine (Platform's
/// `execAsProcessOne`: block, abort check, signal reset, flush, execve), so the server is not started
/// and the tool ends with 143.
///
/// The window is held open without a sleep: stderr is a one-page pipe filled so that the last log
/// line before the exec blocks in `write(2)` until the test reads. The signal is sent while the tool is
/// blocked there (seen in `/proc/PID/syscall`), then stderr is drained.
@Suite struct ExecWindowTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var behaviour: String
        var tool: String
        /// Arguments; `FILE` is an existing file (a target that is ready at once).
        var arguments: [String]
        /// The stderr lines written before the one that blocks; `FILE` is replaced.
        var before: String
        var status: TerminationStatus
        /// What stderr ends with (after the blocked line); `FILE` is replaced.
        var ending: String

        var testDescription: String { behaviour }
    }

    static let rows: [Row] = [
        Row(
            behaviour:
                "wait-for: SIGTERM while the ready line is written does not start the command",
            tool: "wait-for", arguments: ["file://FILE", "--", "/bin/echo", "server started"],
            before: "wait-for: info: waiting for file://FILE (timeout 60s)\n",
            status: .exited(143),
            ending: "wait-for: warning: interrupted by SIGTERM: /bin/echo not started\n"),
        Row(
            behaviour: "entrypoint: SIGTERM while the wait's ready line is written stops start-up",
            tool: "entrypoint",
            arguments: ["--wait", "file://FILE", "--", "/bin/echo", "server started"],
            before: "entrypoint: info: waiting for file://FILE (timeout 60s)\n",
            status: .exited(143),
            ending: "entrypoint: error: SIGTERM received: start-up aborted\n"),
        Row(
            behaviour: "entrypoint: SIGTERM while the exec line is written ends it before the exec",
            tool: "entrypoint", arguments: ["--", "/bin/echo", "server started"],
            before: "", status: .signaled(SIGTERM), ending: "(pid PID)\n"),
    ]

    @Test(arguments: rows)
    func aSignalJustBeforeTheExecIsNotSwallowed(_ row: Row) throws {
        let directory = Paths.temporaryDirectory("execwindow")
        defer { Paths.removeTree(directory) }
        let file = directory + "/ready"
        writeFile(file, "")
        func expand(_ text: String) -> String { text.replacingOccurrences(of: "FILE", with: file) }
        let child = try ChildProcess(
            Paths.binary(row.tool), row.arguments.map(expand),
            environment: ["PATH": "/usr/bin:/bin", "LANG": "C"],
            stderrFreeBytes: expand(row.before).utf8.count)
        // x86_64 write(2) is syscall 1, aarch64's 64; the first argument is the descriptor.
        let blocked = EntrypointHarness.waitUntil(seconds: 10) {
            let syscall =
                (try? String(contentsOfFile: "/proc/\(child.pid)/syscall", encoding: .utf8))
            return syscall?.hasPrefix("1 0x2 ") == true || syscall?.hasPrefix("64 0x2 ") == true
        }
        #expect(blocked, "never blocked writing to stderr: \(child.stderrSoFar.suffix(200))")
        child.signal(SIGTERM)
        let result = child.finish()
        let err = String(result.err.drop { $0 == "." })
        #expect(result.status == row.status, "\(err)")
        #expect(result.out == "")
        #expect(err.hasPrefix(expand(row.before)), "\(err)")
        #expect(
            err.hasSuffix(expand(row.ending).replacingOccurrences(of: "PID", with: "\(child.pid)")),
            "\(err)")
    }
}
