import Foundation
import TestSupport
import Testing

/// Resource bounds: memory stays constant on unbounded input (a single line of any length streams
/// through `templater render` and envsubst mode), and no descriptor of the entrypoint's own leaks
/// into the server it execs or starts.
@Suite struct ResourceBoundsTests {
    /// A size the debug build streams in about a second; `ServerTests/FaultTableServerTests`
    /// streams the full 1 GiB through the release binaries of `dist/`.
    static let size = 64 << 20

    @Test(.enabled(if: access("/usr/bin/time", X_OK) == 0))
    func aSingleEndlessLineStreamsInConstantMemory() throws {
        for (binary, argv0, arguments) in [
            (Paths.binary("templater"), "templater", ["render"]),
            (Paths.binary("entrypoint"), "envsubst", []),
        ] {
            let small = try streamEndlessLine(
                bytes: 1 << 20, through: binary, argv0: argv0, arguments)
            let large = try streamEndlessLine(
                bytes: Self.size, through: binary, argv0: argv0, arguments)
            #expect(small.outputBytes == (1 << 10) * 1022, "\(argv0): \(small)")
            #expect(large.outputBytes == (Self.size >> 10) * 1022, "\(argv0): \(large)")
            // 64 times the input, the same memory: within 1 MiB of the 1 MiB run, under 32 MiB.
            #expect(large.peakKiB > 0 && large.peakKiB < 32 * 1024, "\(argv0): \(large)")
            #expect(large.peakKiB - small.peakKiB < 1024, "\(argv0): \(small) vs \(large)")
        }
    }

    /// The shell's own descriptors, from `/proc/PID/fd`, listed by the shell itself (a pipeline
    /// would add its pipes). The directory descriptor of the glob shows in every listing alike.
    static let listDescriptors = #"for f in /proc/$$/fd/*; do printf '%s ' "${f##*/}"; done"#

    /// Every phase opens descriptors (the env file, the `_FILE` secret, the templates and their
    /// outputs, the wait's sockets, the lock, `ENTRYPOINT_ENV`, the hooks' pipes, the signal pipe):
    /// the server holds exactly what the entrypoint inherited, in place and under `--init`.
    @Test(arguments: [false, true])
    func theServerHoldsOnlyTheDescriptorsTheEntrypointInherited(_ initMode: Bool) throws {
        let directory = Paths.temporaryDirectory("fdleak")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/secret", "s3cr3t\n")
        writeFile(directory + "/.env", "GREETING=hello\n")
        writeFile(directory + "/t", "pw=${DB_PASSWORD} ${GREETING}\n")
        mkdir(directory + "/hooks.d", 0o755)
        writeFile(
            directory + "/hooks.d/10-env", "#!/bin/sh\necho A=1 >> \"$ENTRYPOINT_ENV\"\n",
            mode: 0o755)
        let listener = try TestListener()
        listener.listen()
        let entrypoint =
            [
                EntrypointHarness.binary, "--env-file", directory + "/.env",
                "--template", "\(directory)/t:\(directory)/out", "--wait", listener.address,
                "--hook", "true", "--hooks-dir", directory + "/hooks.d", "--lock",
                directory + "/lock",
            ] + (initMode ? ["--init"] : []) + ["--", "sh", "-c", Self.listDescriptors]
        // The shell lists what it holds, then execs the entrypoint with exactly that (a parallel
        // test's pipe may have leaked into it from the test runner: it counts as inherited).
        let result = try run(
            "/bin/sh", ["-c", Self.listDescriptors + "; echo; exec \"$@\"", "sh"] + entrypoint,
            environment: EntrypointHarness.environment([
                "DB_PASSWORD_FILE": directory + "/secret"
            ]))
        #expect(result.status == .exited(0), "\(result.err)")
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2, "\(result.out)")
        #expect(lines.first == lines.dropFirst().first, "inherited vs the server's: \(result.out)")
        #expect(lines.first?.hasPrefix("0 1 ") == true, "\(result.out)")
        #expect(readText(directory + "/out") == "pw=s3cr3t hello\n")
    }
}
