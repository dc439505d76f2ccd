import Foundation
import TestSupport
import Testing

/// Every row of the exit-code table (README.md, "Exit codes") that the entrypoint can produce, with its message.
/// `DIR` in arguments and environment stands for a fresh temporary directory holding `t.template`
/// (`${MISSING}`), `ok.template` and `pw` (a secret).
@Suite struct EntrypointExitCodeTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var code: Int32
        var behaviour: String
        var arguments: [String]
        var environment: [String: String]
        /// The last line of stderr (without the newline); `DIR` is replaced.
        var message: String

        var testDescription: String { "\(code): \(behaviour)" }

        /// A row whose last line is `entrypoint: error: ERROR` or `entrypoint: info: INFO`.
        init(
            _ code: Int32, _ behaviour: String, _ arguments: [String],
            environment: [String: String] = [:], error: String? = nil, info: String? = nil
        ) {
            self.code = code
            self.behaviour = behaviour
            self.arguments = arguments
            self.environment = environment
            message =
                error.map { "entrypoint: error: " + $0 } ?? "entrypoint: info: " + (info ?? "")
        }
    }

    static let problems =
        "1 problem in the templates or variables: nothing was rendered, start-up stopped"
    static let rows: [Row] = [
        Row(0, "success: the command's own status", ["true"], info: "exec true (pid PID)"),
        Row(
            1, "an unset variable in a template", ["--template", "DIR/t.template:DIR/t", "true"],
            error: problems),
        Row(
            1, "X and X_FILE both set", ["true"],
            environment: ["DB_PASSWORD": "x", "DB_PASSWORD_FILE": "DIR/pw"], error: problems),
        Row(
            1, "a malformed ENTRYPOINT_ENV line",
            ["--hook", "sh -c 'echo junk >> $ENTRYPOINT_ENV'", "true"],
            error:
                "hook 'sh -c 'echo junk >> $ENTRYPOINT_ENV'' wrote line 1 of ENTRYPOINT_ENV: expected NAME=VALUE or NAME<<DELIMITER"
        ),
        Row(
            64, "a malformed target", ["--wait", "db:99999", "true"],
            error: "--wait: invalid target 'db:99999': port 99999 is out of range (1-65535)"),
        Row(
            64, "a malformed duration", ["true"], environment: ["ENTRYPOINT_WAIT_TIMEOUT": "1x"],
            error:
                "ENTRYPOINT_WAIT_TIMEOUT: '1x' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
        ),
        Row(
            66, "a missing template", ["--template", "DIR/none.template:DIR/out", "true"],
            error: "cannot read DIR/none.template: No such file or directory"),
        Row(
            66, "an unreadable _FILE secret", ["true"], environment: ["API_KEY_FILE": "DIR/none"],
            error: "cannot read DIR/none (API_KEY_FILE): No such file or directory"),
        Row(
            66, "a missing hooks directory", ["--hooks-dir", "DIR/hooks", "true"],
            error: "cannot read DIR/hooks: No such file or directory"),
        Row(
            73, "an output that cannot be created",
            ["--template", "DIR/ok.template:/proc/version/out", "true"],
            error: "cannot write /proc/version/out: Not a directory (nothing was changed)"),
        Row(
            73, "a lock file that cannot be created",
            ["--lock", "DIR/no/lock", "--hook", "true", "true"],
            error: "cannot create DIR/no/lock: No such file or directory"),
        Row(
            124, "a hook past its timeout",
            ["--hook-timeout", "100ms", "--hook", "sleep 5", "true"],
            error: "hook 'sleep 5' ran past its timeout of 100ms and was ended; start-up stopped"),
        Row(
            124, "a wait past its timeout",
            ["--wait", "file://DIR/never", "--wait-timeout", "100ms", "true"],
            error: "gave up waiting for file://DIR/never; start-up stopped"),
        Row(
            126, "a command that is not executable", ["DIR/pw"],
            error: "DIR/pw: cannot execute: Permission denied"),
        Row(
            126, "a script with CRLF line endings: the \\r is named", ["DIR/crlf.sh"],
            error:
                "DIR/crlf.sh: cannot execute: its #! line names '/bin/sh\\r', which ends in a carriage return: the file has CRLF line endings (convert it to LF, e.g. dos2unix)"
        ),
        Row(
            126, "a script whose interpreter is missing: it is named", ["DIR/python4.py"],
            error:
                "DIR/python4.py: cannot execute: its interpreter /usr/bin/python4 (#! line) was not found"
        ),
        Row(
            126, "a hook whose interpreter is missing: it is named",
            ["--hook", "DIR/python4.py", "true"],
            error:
                "hook 'DIR/python4.py': DIR/python4.py: cannot execute: its interpreter /usr/bin/python4 (#! line) was not found"
        ),
        Row(
            127, "a command that is not found", ["no-such-command"],
            error: "no-such-command: command not found"),
        Row(
            127, "a hook that is not found", ["--hook", "no-such-hook", "true"],
            error: "hook 'no-such-hook': no-such-hook: command not found"),
        Row(
            128 + SIGABRT, "init mode: the child died of a signal",
            ["--init", "--", "sh", "-c", "kill -ABRT $$"],
            info: "sh (pid PID) ended: killed by SIGABRT"),
        Row(
            42, "a failing hook: its own status", ["--hook", "sh -c 'exit 42'", "true"],
            error: "hook 'sh -c 'exit 42'' failed with exit status 42; start-up stopped"),
        Row(
            9, "the exec'd command's own status", ["sh", "-c", "exit 9"],
            info: "exec sh -c 'exit 9' (pid PID)"),
    ]

    @Test(arguments: rows)
    func exitCode(_ row: Row) throws {
        let directory = Paths.temporaryDirectory("exitcodes")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/t.template", "${MISSING}\n")
        writeFile(directory + "/ok.template", "ok\n")
        writeFile(directory + "/pw", "secret\n")
        writeFile(directory + "/crlf.sh", "#!/bin/sh\r\necho never\r\n", mode: 0o755)
        writeFile(directory + "/python4.py", "#!/usr/bin/python4 -u\nprint(1)\n", mode: 0o755)
        func expand(_ text: String) -> String {
            text.replacingOccurrences(of: "DIR", with: directory)
        }
        let result = try EntrypointHarness.run(
            row.arguments.map(expand), environment: row.environment.mapValues(expand))
        #expect(result.status == .exited(row.code))
        let last = result.err.split(separator: "\n").last.map(String.init) ?? ""
        let pid = last.range(of: "pid ").map { last[$0.upperBound...].prefix { $0.isNumber } } ?? ""
        #expect(last == expand(row.message).replacingOccurrences(of: "pid PID", with: "pid \(pid)"))
    }

    @Test func aPermanentlyUnavailableDependencyIs69() throws {
        let message = "Host '127.0.0.1' is blocked because of many connection errors"
        let payload = [0xff, 0x69, 0x04] + Array(message.utf8)
        let server = try StubServer(
            turn: .first, replies: [[UInt8(payload.count), 0, 0, 0] + payload])
        defer { server.stop() }
        let result = try EntrypointHarness.run(["--wait", "mysql://\(server.address)", "true"])
        #expect(result.status == .exited(69))
        #expect(
            result.err.hasSuffix(
                "entrypoint: error: mysql://\(server.address) is unavailable; start-up stopped\n"))
    }

    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func startUpAbortedBySignal(_ signal: Int32, _ code: Int32) throws {
        let child = try EntrypointHarness.start(["--hook", "sleep 30", "true"])
        #expect(child.waitForOutput(seconds: 10) { _, err in err.contains("running hook 1/1") })
        child.signal(signal)
        #expect(child.finish().status == .exited(code))
    }
}
