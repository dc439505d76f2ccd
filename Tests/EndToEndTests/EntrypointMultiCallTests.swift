import Foundation
import TestSupport
import Testing

/// The one shipped binary answers as the tool it is invoked as (argv[0], as through a symlink).
@Suite struct EntrypointMultiCallTests {
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
