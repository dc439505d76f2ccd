import Foundation
import TestSupport
import Testing

/// The one shipped binary answers as the tool it is invoked as (argv[0], as through a symlink).
@Suite struct EntrypointMultiCallTests {
    /// Every binary, invoked under every tool name and under a name that is none: the first line of
    /// `--help` says which tool answered.
    @Test(arguments: [
        ("entrypoint", "envsubst", "Usage: envsubst "),
        ("entrypoint", "templater", "Usage: templater "),
        ("entrypoint", "wait-for", "Usage: wait-for "),
        ("entrypoint", "docker-entrypoint", "usage: entrypoint "),
        ("templater", "envsubst", "Usage: envsubst "),
        ("templater", "wait-for", "Usage: wait-for "),
        ("templater", "entrypoint", "usage: entrypoint "),
        ("templater", "templater-copy", "Usage: templater "),
        ("wait-for", "envsubst", "Usage: envsubst "),
        ("wait-for", "templater", "Usage: templater "),
        ("wait-for", "entrypoint", "usage: entrypoint "),
        ("wait-for", "wait-for-copy", "Usage: wait-for "),
    ])
    func everyBinaryAnswersToEveryToolName(binary: String, invokedAs: String, usage: String)
        throws
    {
        let result = try run(
            Paths.binary(binary), ["--help"], argv0: "/usr/local/bin/" + invokedAs,
            environment: EntrypointHarness.environment())
        #expect(result.status == .exited(0))
        #expect(result.out.hasPrefix(usage), "\(result.out.prefix(60))")
    }

    @Test func invokedAsWaitForItIsWaitFor() throws {
        let listener = try TestListener()
        listener.listen()
        for argv0 in ["wait-for", "/usr/local/bin/wait-for"] {
            let result = try run(
                EntrypointHarness.binary, ["--once", listener.address], argv0: argv0,
                environment: EntrypointHarness.environment())
            #expect(result.status == .exited(0), "\(argv0)")
            #expect(
                result.err.hasPrefix("wait-for: info: \(listener.address) ready after "), "\(argv0)"
            )
        }
    }

    @Test func invokedAsTemplaterItIsTemplater() throws {
        let result = try run(
            EntrypointHarness.binary, [], argv0: "/bin/templater",
            environment: EntrypointHarness.environment())
        #expect(result.status == .exited(64))
        #expect(result.err.hasPrefix("templater: error: "))
    }

    @Test func anyOtherNameIsEntrypoint() throws {
        let result = try run(
            EntrypointHarness.binary, ["--help"], argv0: "/docker-entrypoint",
            environment: EntrypointHarness.environment())
        #expect(result.status == .exited(0))
        #expect(result.out.hasPrefix("usage: entrypoint "))
    }
}
