import Foundation
import TestSupport
import Testing

/// The exec in place: the server becomes the entrypoint's process with a clean signal state.
@Suite struct EntrypointExecTests {
    /// Starts the entrypoint through perl with SIGTERM, SIGINT, SIGUSR1 and SIGHUP blocked and SIGTERM,
    /// SIGQUIT, SIGUSR2 and SIGPIPE ignored: both survive `execve`, as they do when a runtime or a
    /// Dispatch thread starts a process carelessly. The entrypoint must not hand them on.
    static let careless = """
        use POSIX;
        sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM, SIGINT, SIGUSR1, SIGHUP));
        $SIG{$_} = 'IGNORE' for qw(TERM QUIT USR2 PIPE);
        exec { $ARGV[0] } @ARGV or die "exec: $!";
        """

    @Test func theServerKeepsThePIDAndHasAnEmptyMaskAndDefaultDispositions() throws {
        let child = try ChildProcess(
            "/usr/bin/perl",
            ["-e", Self.careless, EntrypointHarness.binary, "--", "/bin/sleep", "30"],
            environment: EntrypointHarness.environment())
        let execed = EntrypointHarness.waitUntil {
            EntrypointHarness.commandLine(child.pid) == ["/bin/sleep", "30"]
        }
        #expect(execed, "the entrypoint did not exec /bin/sleep in place")
        #expect(EntrypointHarness.status(child.pid, "SigBlk") == "0000000000000000")
        #expect(EntrypointHarness.status(child.pid, "SigIgn") == "0000000000000000")
        #expect(EntrypointHarness.status(child.pid, "SigCgt") == "0000000000000000")

        child.signal(SIGTERM)
        let elapsed = EntrypointHarness.millisecondsUntilExit(child)
        let result = child.finish()
        #expect(result.status == .signaled(SIGTERM))
        #expect((elapsed ?? .infinity) < 500, "SIGTERM took \(elapsed ?? -1) ms to end the server")
        #expect(result.err == "entrypoint: info: exec /bin/sleep 30 (pid \(child.pid))\n")
    }

    @Test func argvAndEnvironmentArePassedAsGiven() throws {
        let result = try EntrypointHarness.run(
            [
                "--", "/bin/sh", "-c", #"printf '[%s]' "$0" "$@"; echo; echo "$GREETING""#, "zero",
                "a b", "", "$HOME",
            ],
            environment: ["GREETING": "hello  world"])
        #expect(result.status == .exited(0))
        #expect(result.out == "[zero][a b][][$HOME]\nhello  world\n")
    }

    @Test func theCommandIsLookedUpInThePATHOfTheEnvironment() throws {
        let directory = Paths.temporaryDirectory("path")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/my-server", "#!/bin/sh\necho \"my-server $*\"\n", mode: 0o755)
        let result = try EntrypointHarness.run(
            ["my-server", "--port", "80"], environment: ["PATH": "/nonexistent:\(directory):/bin"])
        #expect(result.status == .exited(0))
        #expect(result.out == "my-server --port 80\n")
    }

    @Test func aNonExecutableMatchIsSkippedButRememberedAsExecvpDoes() throws {
        let directory = Paths.temporaryDirectory("eacces")
        defer { Paths.removeTree(directory) }
        mkdir(directory + "/a", 0o755)
        mkdir(directory + "/b", 0o755)
        writeFile(directory + "/a/server", "#!/bin/sh\necho from a\n", mode: 0o644)
        writeFile(directory + "/b/server", "#!/bin/sh\necho from b\n", mode: 0o755)
        let later = try EntrypointHarness.run(
            ["--log-level", "error", "server"],
            environment: ["PATH": "\(directory)/a:\(directory)/b"])
        #expect(later.status == .exited(0))
        #expect(later.out == "from b\n")
        let only = try EntrypointHarness.run(
            ["--log-level", "error", "server"], environment: ["PATH": "\(directory)/a:/nonexistent"]
        )
        #expect(only.status == .exited(126))
        #expect(
            only.err
                == "entrypoint: error: \(directory)/a/server: cannot execute: Permission denied\n")
    }

    @Test func aScriptWithoutShebangRunsUnderShAsExecvpDoes() throws {
        let directory = Paths.temporaryDirectory("noshebang")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/plain", "echo plain script \"$1\"\n", mode: 0o755)
        let result = try EntrypointHarness.run([directory + "/plain", "arg"])
        #expect(result.status == .exited(0))
        #expect(result.out == "plain script arg\n")
    }

    @Test(arguments: [
        (
            "not found", ["no-such-server"], 127,
            "entrypoint: error: no-such-server: command not found"
        ),
        (
            "not found by path", ["/nonexistent/server"], 127,
            "entrypoint: error: /nonexistent/server: command not found"
        ),
        (
            "not executable", ["/etc/passwd"], 126,
            "entrypoint: error: /etc/passwd: cannot execute: Permission denied"
        ),
        (
            "a directory", ["/tmp"], 126,
            "entrypoint: error: /tmp: cannot execute: Is a directory"
        ),
    ])
    func execFailures(_ behaviour: String, _ command: [String], _ code: Int32, _ message: String)
        throws
    {
        let result = try EntrypointHarness.run(["--log-level", "error", "--"] + command)
        #expect(result.status == .exited(code), "\(behaviour)")
        #expect(result.err == message + "\n", "\(behaviour)")
    }

    @Test func flagsStopAtTheCommandSoItsOwnFlagsReachIt() throws {
        let result = try EntrypointHarness.run(["--quiet", "/bin/echo", "--quiet", "-n", "x"])
        #expect(result.status == .exited(0))
        #expect(result.out == "--quiet -n x\n")
        #expect(result.err == "")
    }
}
