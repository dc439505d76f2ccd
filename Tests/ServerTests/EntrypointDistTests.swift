import Foundation
import TestSupport
import Testing

/// The shipped binary (`make dist`): static, within its size budget, and complete in a bare root
/// that holds only it and `/etc`, since an image may ship it alone
/// (README.md, "Layout": `images/wait-for` is `FROM scratch`).
@Suite struct EntrypointDistTests {
    /// `$TOOLKIT_DIST/entrypoint` (set by `make test-servers`), else `dist/entrypoint`.
    static var binary: String {
        let directory =
            ProcessInfo.processInfo.environment["TOOLKIT_DIST"] ?? Paths.packageRoot + "/dist"
        return directory + "/entrypoint"
    }

    @Test func itIsStaticAndAtMost8MiB() throws {
        let size = try #require(
            (try? FileManager.default.attributesOfItem(atPath: Self.binary))?[.size] as? Int,
            "\(Self.binary) is missing: run make dist")
        #expect(size <= 8 * 1024 * 1024, "dist/entrypoint is \(size) bytes")
        let ldd = try run("/usr/bin/ldd", [Self.binary])
        #expect((ldd.out + ldd.err).contains("not a dynamic executable"))
    }

    /// Builds a root holding the binary (plus the names it answers to, as symlinks), `/etc` and an
    /// empty `/proc`, and runs `script` in a new mount namespace that mounts proc there (the Swift
    /// runtime reads `/proc/self/exe`) and chroots into it.
    func inBareRoot(_ script: (String) -> String) throws -> ProcessResult {
        let root = Paths.temporaryDirectory("bareroot")
        defer { Paths.removeTree(root) }
        chmod(root, 0o755)  // mkdtemp's 0700 would keep nobody out after --user
        for directory in ["etc", "proc"] { mkdir(root + "/" + directory, 0o755) }
        // cp, not FileManager: a write descriptor open in this (multi-threaded) test process would
        // leak into a concurrent test's child, and exec would fail with ETXTBSY.
        _ = try run("/bin/cp", [Self.binary, root + "/entrypoint"])
        for name in ["envsubst", "wait-for", "templater"] {
            symlink("entrypoint", root + "/" + name)
        }
        writeFile(root + "/etc/hosts", "127.0.0.1 localhost\n127.0.0.1 database.internal\n")
        writeFile(
            root + "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
        )
        writeFile(root + "/etc/group", "root:x:0:\nnogroup:x:65534:\n")
        return try run(
            "/usr/bin/unshare",
            [
                "--mount", "--fork", "/bin/sh", "-c",
                "mount -t proc proc \(root)/proc && " + script(root),
            ],
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "GREETING": "hello"])
    }

    @Test func asWaitForItResolvesNamesFromEtcHostsInABareRoot() throws {
        let listener = try TestListener()
        listener.listen()
        let result = try inBareRoot { root in
            "chroot \(root) /wait-for --timeout 5s database.internal:\(listener.port)"
        }
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(
            result.err.contains("wait-for: info: database.internal:\(listener.port) ready after "))
    }

    @Test func asEnvsubstItRendersInABareRoot() throws {
        let result = try inBareRoot { root in
            "echo 'say $GREETING to ${GREETING}' | chroot \(root) /envsubst"
        }
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(result.out == "say hello to hello\n")
    }

    @Test func asEntrypointItSwitchesUserAndExecsInABareRoot() throws {
        let listener = try TestListener()
        listener.listen()
        let result = try inBareRoot { root in
            "chroot \(root) /entrypoint --user nobody --wait database.internal:\(listener.port) -- "
                + "/wait-for --once database.internal:\(listener.port)"
        }
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(
            result.err.contains(
                "entrypoint: info: switched to user nobody (uid 65534, gid 65534)\n"))
        #expect(
            result.err.contains("wait-for: info: database.internal:\(listener.port) ready after "))
    }
}
