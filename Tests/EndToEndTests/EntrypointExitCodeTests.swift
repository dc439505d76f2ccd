import Foundation
import TestSupport
import Testing

/// Every row of the exit-code table (SPEC §1) that the entrypoint can produce, with its message.
/// `DIR` in arguments and environment stands for a fresh temporary directory holding `t.template`
/// (`${MISSING}`), `ok.template` and `pw` (a secret).
@Suite struct EntrypointExitCodeTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var code: Int32
        var behaviour: String
        var arguments: [String]
        var environment: [String: String] = [:]
        /// The last line of stderr (without the newline); `DIR` is replaced.
        var message: String

        var testDescription: String { "\(code): \(behaviour)" }
    }

    static let rows: [Row] = [
        Row(
            code: 0, behaviour: "success: the command's own status", arguments: ["true"],
            message: "entrypoint: info: exec true (pid PID)"),
        Row(
            code: 1, behaviour: "an unset variable in a template",
            arguments: ["--template", "DIR/t.template:DIR/t", "true"],
            message:
                "entrypoint: error: 1 problem in the templates or variables: nothing was rendered, start-up stopped"
        ),
        Row(
            code: 1, behaviour: "X and X_FILE both set", arguments: ["true"],
            environment: ["DB_PASSWORD": "x", "DB_PASSWORD_FILE": "DIR/pw"],
            message:
                "entrypoint: error: 1 problem in the templates or variables: nothing was rendered, start-up stopped"
        ),
        Row(
            code: 1, behaviour: "a malformed ENTRYPOINT_ENV line",
            arguments: ["--hook", "sh -c 'echo junk >> $ENTRYPOINT_ENV'", "true"],
            message:
                "entrypoint: error: hook 'sh -c 'echo junk >> $ENTRYPOINT_ENV'' wrote line 1 of ENTRYPOINT_ENV: expected NAME=VALUE or NAME<<DELIMITER"
        ),
        Row(
            code: 64, behaviour: "a malformed target", arguments: ["--wait", "db:99999", "true"],
            message:
                "entrypoint: error: --wait: invalid target 'db:99999': port 99999 is out of range (1-65535)"
        ),
        Row(
            code: 64, behaviour: "a malformed duration", arguments: ["true"],
            environment: ["ENTRYPOINT_WAIT_TIMEOUT": "1x"],
            message:
                "entrypoint: error: ENTRYPOINT_WAIT_TIMEOUT: '1x' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
        ),
        Row(
            code: 66, behaviour: "a missing template",
            arguments: ["--template", "DIR/none.template:DIR/out", "true"],
            message: "entrypoint: error: cannot read DIR/none.template: No such file or directory"),
        Row(
            code: 66, behaviour: "an unreadable _FILE secret", arguments: ["true"],
            environment: ["API_KEY_FILE": "DIR/none"],
            message:
                "entrypoint: error: cannot read DIR/none (API_KEY_FILE): No such file or directory"),
        Row(
            code: 66, behaviour: "a missing hooks directory",
            arguments: ["--hooks-dir", "DIR/hooks", "true"],
            message: "entrypoint: error: cannot read DIR/hooks: No such file or directory"),
        Row(
            code: 73, behaviour: "an output that cannot be created",
            arguments: ["--template", "DIR/ok.template:/proc/version/out", "true"],
            message:
                "entrypoint: error: cannot write /proc/version/out: Not a directory (nothing was changed)"
        ),
        Row(
            code: 73, behaviour: "a lock file that cannot be created",
            arguments: ["--lock", "DIR/no/lock", "--hook", "true", "true"],
            message: "entrypoint: error: cannot create DIR/no/lock: No such file or directory"),
        Row(
            code: 124, behaviour: "a hook past its timeout",
            arguments: ["--hook-timeout", "100ms", "--hook", "sleep 5", "true"],
            message:
                "entrypoint: error: hook 'sleep 5' ran past its timeout of 100ms and was ended; start-up stopped"
        ),
        Row(
            code: 124, behaviour: "a wait past its timeout",
            arguments: ["--wait", "file://DIR/never", "--wait-timeout", "100ms", "true"],
            message: "entrypoint: error: gave up waiting for file://DIR/never; start-up stopped"),
        Row(
            code: 126, behaviour: "a command that is not executable", arguments: ["DIR/pw"],
            message: "entrypoint: error: DIR/pw: cannot execute: Permission denied"),
        Row(
            code: 126, behaviour: "a script with CRLF line endings: the \\r is named",
            arguments: ["DIR/crlf.sh"],
            message:
                "entrypoint: error: DIR/crlf.sh: cannot execute: its #! line names '/bin/sh\\r', which ends in a carriage return: the file has CRLF line endings (convert it to LF, e.g. dos2unix)"
        ),
        Row(
            code: 126, behaviour: "a script whose interpreter is missing: it is named",
            arguments: ["DIR/python4.py"],
            message:
                "entrypoint: error: DIR/python4.py: cannot execute: its interpreter /usr/bin/python4 (#! line) was not found"
        ),
        Row(
            code: 126, behaviour: "a hook whose interpreter is missing: it is named",
            arguments: ["--hook", "DIR/python4.py", "true"],
            message:
                "entrypoint: error: hook 'DIR/python4.py': DIR/python4.py: cannot execute: its interpreter /usr/bin/python4 (#! line) was not found"
        ),
        Row(
            code: 127, behaviour: "a command that is not found", arguments: ["no-such-command"],
            message: "entrypoint: error: no-such-command: command not found"),
        Row(
            code: 127, behaviour: "a hook that is not found",
            arguments: ["--hook", "no-such-hook", "true"],
            message: "entrypoint: error: hook 'no-such-hook': no-such-hook: command not found"),
        Row(
            code: 128 + SIGABRT, behaviour: "init mode: the child died of a signal",
            arguments: ["--init", "--", "sh", "-c", "kill -ABRT $$"],
            message: "entrypoint: info: sh (pid PID) ended: killed by SIGABRT"),
        Row(
            code: 42, behaviour: "a failing hook: its own status",
            arguments: ["--hook", "sh -c 'exit 42'", "true"],
            message:
                "entrypoint: error: hook 'sh -c 'exit 42'' failed with exit status 42; start-up stopped"
        ),
        Row(
            code: 9, behaviour: "the exec'd command's own status",
            arguments: ["sh", "-c", "exit 9"],
            message: "entrypoint: info: exec sh -c 'exit 9' (pid PID)"),
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
