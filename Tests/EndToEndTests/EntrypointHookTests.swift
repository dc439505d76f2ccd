import Foundation
import TestSupport
import Testing

/// Hooks: order, failure, timeout, the `ENTRYPOINT_ENV` file, the hooks directory, signal state.
@Suite struct EntrypointHookTests {
    @Test func hooksRunInOrderBeforeTheServer() throws {
        let result = try EntrypointHarness.run([
            "--hook", "echo first", "--hook", "printf '%s|' second 'with  blanks'", "--",
            "echo", "server",
        ])
        #expect(result.status == .exited(0))
        #expect(result.out == "first\nsecond|with  blanks|server\n")
        #expect(
            result.err == """
                entrypoint: info: running hook 1/2: echo first
                entrypoint: info: hook 'echo first' done in \(Self.duration(result.err, 0))
                entrypoint: info: running hook 2/2: printf '%s|' second 'with  blanks'
                entrypoint: info: hook 'printf '%s|' second 'with  blanks'' done in \(Self.duration(result.err, 1))
                entrypoint: info: exec echo server (pid \(Self.pid(result.err)))

                """)
    }

    @Test func aFailingHookStopsStartUpWithItsStatusAndName() throws {
        let result = try EntrypointHarness.run([
            "--log-level", "error", "--hook", "sh -c 'exit 7'", "--hook", "echo never", "--",
            "echo", "never",
        ])
        #expect(result.status == .exited(7))
        #expect(result.out == "")
        #expect(
            result.err
                == "entrypoint: error: hook 'sh -c 'exit 7'' failed with exit status 7; start-up stopped\n"
        )
    }

    @Test func aHookKilledByASignalGives128PlusN() throws {
        let result = try EntrypointHarness.run([
            "--log-level", "error", "--hook", "sh -c 'kill -USR1 $$'", "true",
        ])
        #expect(result.status == .exited(128 + SIGUSR1))
        #expect(
            result.err
                == "entrypoint: error: hook 'sh -c 'kill -USR1 $$'' was killed by SIGUSR1; start-up stopped\n"
        )
    }

    @Test func aHookPastItsTimeoutIsEndedWith124() throws {
        let directory = Paths.temporaryDirectory("hooktimeout")
        defer { Paths.removeTree(directory) }
        let start = now()
        let result = try EntrypointHarness.run([
            "--hook-timeout", "300ms", "--hook",
            "sh -c 'echo $$ > \(directory)/pid; sleep 30 & echo $! > \(directory)/child; wait'",
            "true",
        ])
        let elapsed = now() - start
        #expect(result.status == .exited(124))
        #expect(elapsed < 5, "the timeout took \(elapsed) s")
        #expect(
            result.err.hasSuffix(
                "entrypoint: error: hook 'sh -c 'echo $$ > \(directory)/pid; sleep 30 & echo $! > "
                    + "\(directory)/child; wait'' ran past its timeout of 300ms and was ended; start-up stopped\n"
            ))
        #expect(result.err.contains("SIGTERM, then SIGKILL after 5s"))
        for file in ["pid", "child"] {
            let pid = try #require(EntrypointHarness.pid(inFile: "\(directory)/\(file)"))
            #expect(
                EntrypointHarness.waitUntil(seconds: 2) { !EntrypointHarness.isRunning(pid) },
                "the hook's \(file) process is still running")
        }
    }

    @Test func aHookThatIgnoresSIGTERMIsKilledAfterTheGrace() throws {
        let start = now()
        let result = try EntrypointHarness.run([
            "--hook-timeout", "200ms", "--log-level", "error", "--hook",
            "sh -c 'trap \"\" TERM; sleep 30 & wait; wait'", "true",
        ])
        let elapsed = now() - start
        #expect(result.status == .exited(124))
        #expect(elapsed > 5 && elapsed < 8, "SIGKILL came after \(elapsed) s, not 5 s")
    }

    @Test func valuesWrittenToEntrypointEnvReachLaterHooksAndTheServer() throws {
        let result = try EntrypointHarness.run(
            [
                "--hook",
                #"sh -c 'echo "FROM_HOOK=one two" >> "$ENTRYPOINT_ENV"; printf "M<<EOF\nl1\nl2\nEOF\n" >> "$ENTRYPOINT_ENV"'"#,
                "--hook",
                #"sh -c 'echo "second sees [$FROM_HOOK]"; echo "OVERRIDE=2" >> "$ENTRYPOINT_ENV"'"#,
                "--", "sh", "-c",
                #"echo "server sees [$FROM_HOOK] [$M] [$OVERRIDE] [${ENTRYPOINT_ENV-unset}]""#,
            ], environment: ["OVERRIDE": "1"])
        #expect(result.status == .exited(0))
        #expect(result.out == "second sees [one two]\nserver sees [one two] [l1\nl2] [2] [unset]\n")
        #expect(result.err.contains("entrypoint: info: hook 'sh -c 'echo \"FROM_HOOK=one two\""))
        #expect(result.err.contains("' set FROM_HOOK, M\n"))
        #expect(result.err.contains("' set OVERRIDE\n"))
    }

    @Test func theEntrypointEnvFileIsPrivateAndGoneBeforeTheServer() throws {
        let directory = Paths.temporaryDirectory("envfile")
        defer { Paths.removeTree(directory) }
        let result = try EntrypointHarness.run(
            [
                "--hook",
                #"sh -c 'echo "$ENTRYPOINT_ENV" > \#(directory)/path; stat -c %a "$ENTRYPOINT_ENV" "${ENTRYPOINT_ENV%/env}"'"#,
                "--", "sh", "-c",
                "test -e \"$(cat \(directory)/path)\" && echo exists || echo removed",
            ], environment: ["TMPDIR": directory])
        #expect(result.status == .exited(0))
        #expect(result.out == "600\n700\nremoved\n")
        #expect(readText(directory + "/path")?.hasPrefix(directory + "/entrypoint.") == true)
    }

    @Test func aBadLineInEntrypointEnvStopsStartUp() throws {
        let result = try EntrypointHarness.run([
            "--log-level", "error", "--hook",
            #"sh -c 'echo "A=1" >> "$ENTRYPOINT_ENV"; echo "oops" >> "$ENTRYPOINT_ENV"'"#,
            "true",
        ])
        #expect(result.status == .exited(1))
        #expect(
            result.err == """
                entrypoint: error: hook 'sh -c 'echo "A=1" >> "$ENTRYPOINT_ENV"; echo "oops" >> "$ENTRYPOINT_ENV"'' \
                wrote line 2 of ENTRYPOINT_ENV: expected NAME=VALUE or NAME<<DELIMITER

                """)
    }

    @Test func hooksStartWithACleanSignalStateInTheirOwnProcessGroup() throws {
        let child = try ChildProcess(
            "/usr/bin/perl",
            [
                "-e", EntrypointExecTests.careless, EntrypointHarness.binary, "--hook",
                #"sh -c 'grep -E "^Sig(Blk|Ign)" /proc/self/status; ps -o pgid= -p $$; ps -o pgid= -p $PPID'"#,
                "true",
            ], environment: EntrypointHarness.environment())
        let result = child.finish()
        #expect(result.status == .exited(0))
        let lines = result.out.split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        #expect(lines.count == 4)
        #expect(lines.prefix(2) == ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"])
        #expect(lines.count == 4 && lines[2] != lines[3], "the hook shares the entrypoint's group")
    }

    @Test func hooksDirectoryEntriesRunInVersionOrderAfterTheHookFlags() throws {
        let directory = Paths.temporaryDirectory("hooksdir")
        defer { Paths.removeTree(directory) }
        for name in ["10-migrate.sh", "9-seed.sh", "2-check.sh"] {
            writeFile(
                directory + "/" + name, "#!/bin/sh\necho \"$(basename \"$0\")\"\n", mode: 0o755)
        }
        writeFile(directory + "/5-readme.txt", "not a hook\n")
        let result = try EntrypointHarness.run([
            "--hook", "echo flag", "--hooks-dir", directory, "--log-level", "warning", "true",
        ])
        #expect(result.status == .exited(0))
        #expect(result.out == "flag\n2-check.sh\n9-seed.sh\n10-migrate.sh\n")
        #expect(
            result.err
                == "entrypoint: warning: ignoring \(directory)/5-readme.txt: not executable\n")
    }

    @Test(arguments: [
        (
            "not found", "no-such-migrate --now", 127,
            "entrypoint: error: hook 'no-such-migrate --now': no-such-migrate: command not found"
        ),
        (
            "not executable", "/etc/passwd", 126,
            "entrypoint: error: hook '/etc/passwd': /etc/passwd: cannot execute: Permission denied"
        ),
    ])
    func hooksThatCannotStart(_ behaviour: String, _ hook: String, _ code: Int32, _ message: String)
        throws
    {
        let result = try EntrypointHarness.run(["--log-level", "error", "--hook", hook, "true"])
        #expect(result.status == .exited(code), "\(behaviour)")
        #expect(result.err == message + "\n", "\(behaviour)")
    }

    @Test func hooksFromTheEnvironmentOnePerLine() throws {
        let result = try EntrypointHarness.run(
            ["--log-level", "error", "true"],
            environment: [
                "ENTRYPOINT_HOOKS":
                    "echo one\n\n# a comment\n  echo 'two  words'  \necho three \\\n  continued\n"
            ])
        #expect(result.status == .exited(0))
        #expect(result.out == "one\ntwo  words\nthree continued\n")
    }

    /// The `done in 1ms` of hook `index` in `log`.
    static func duration(_ log: String, _ index: Int) -> String {
        let lines = log.split(separator: "\n").filter { $0.contains("' done in ") }
        guard index < lines.count, let range = lines[index].range(of: " done in ") else {
            return "?"
        }
        return String(lines[index][range.upperBound...])
    }

    /// The PID in the `exec ... (pid N)` line of `log`.
    static func pid(_ log: String) -> String {
        guard let range = log.range(of: "(pid ") else { return "?" }
        return String(log[range.upperBound...].prefix { $0 != ")" })
    }
}
