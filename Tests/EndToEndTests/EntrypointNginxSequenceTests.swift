import Foundation
import TestSupport
import Testing

/// The `/docker-entrypoint.d/` sequence through the binary, for what the differential test does not
/// vary: when it applies, its log lines and `NGINX_ENTRYPOINT_QUIET_LOGS`, a failing script, a
/// sourced file that fails, and secrets written by a sourced file.
@Suite struct EntrypointNginxSequenceTests {
    /// A root with `docker-entrypoint.d/` holding `files` (name → (text, executable)), a fake
    /// `nginx` on PATH that prints `$GREETING`.
    struct Root {
        let work = Paths.temporaryDirectory("nginx-seq")
        var root: String { work + "/root" }

        init(_ files: [String: (String, Bool)]) {
            for directory in ["root", "root/docker-entrypoint.d", "root/etc/nginx", "bin"] {
                mkdir(work + "/" + directory, 0o755)
            }
            for (name, (text, executable)) in files {
                writeFile(
                    root + "/docker-entrypoint.d/" + name, text, mode: executable ? 0o755 : 0o644)
            }
            writeFile(
                work + "/bin/nginx", "#!/bin/sh\necho \"nginx: ${GREETING-unset} $*\"\n",
                mode: 0o755)
            writeFile(work + "/bin/nginx-debug", "#!/bin/sh\necho debug\n", mode: 0o755)
        }

        func run(_ command: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
            var environment = [
                "PATH": "\(work)/bin:/usr/bin:/bin", "ENTRYPOINT_NGINX_ROOT": root,
            ]
            environment.merge(extra) { _, new in new }
            return try TestSupport.run(
                EntrypointHarness.binary, command, environment: environment)
        }

        func remove() { Paths.removeTree(work) }
    }

    @Test func theSequenceRunsInVersionOrderAndSourcedExportsReachNginx() throws {
        let root = Root([
            "2-greet.envsh": ("export GREETING=\"hi $1\"\n", true),
            "10-show.sh": ("#!/bin/sh\necho \"script: $GREETING\" >&2\n", true),
            "3-off.sh": ("#!/bin/sh\nexit 9\n", false),
            "README": ("docs\n", false),
        ])
        defer { root.remove() }
        let result = try root.run(["nginx", "-g", "daemon off;"])
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(result.out == "nginx: hi nginx -g daemon off;\n")
        let lines = result.err.split(separator: "\n").map(String.init)
        let d = "/docker-entrypoint.d"
        #expect(
            lines.filter { line in
                line.hasPrefix("entrypoint: info: ") && !line.hasPrefix("entrypoint: info: hook '")
                    && ![
                        "by-default.sh: ", "resolvers.envsh: ", "templates.sh: ", "processes.sh: ",
                    ]
                    .contains { line.contains($0) }
            } == [
                "entrypoint: info: \(d)/: configuring nginx (8 steps, 4 of them built in)",
                "entrypoint: info: sourcing \(d)/2-greet.envsh",
                "entrypoint: info: \(d)/2-greet.envsh set GREETING",
                "entrypoint: info: ignoring \(d)/3-off.sh: not executable",
                "entrypoint: info: launching \(d)/10-show.sh",
                "entrypoint: info: ignoring \(d)/README: neither .sh nor .envsh",
                "entrypoint: info: \(d)/: configuration complete",
                "entrypoint: info: exec nginx -g 'daemon off;' (pid \(lines.last?.split(separator: " ").last?.dropLast() ?? ""))",
            ], "\(lines)")
        #expect(lines.contains("script: hi nginx"))
    }

    @Test func quietLogsLeaveOnlyWarningsAndErrors() throws {
        let root = Root(["1-x.envsh": ("export GREETING=quiet\n", true)])
        defer { root.remove() }
        let result = try root.run(["nginx"], ["NGINX_ENTRYPOINT_QUIET_LOGS": "1"])
        #expect(result.status == .exited(0))
        #expect(result.out == "nginx: quiet \n")
        #expect(result.err == "")
        let loud = try root.run(
            ["nginx"], ["NGINX_ENTRYPOINT_QUIET_LOGS": "1", "ENTRYPOINT_LOG_LEVEL": "info"])
        #expect(loud.err.contains("sourcing /docker-entrypoint.d/1-x.envsh"))
    }

    @Test(arguments: [
        ("a failing script stops start-up with its status", "5-fail.sh", "#!/bin/sh\nexit 7\n", 7),
        (
            "a failing command in a sourced file too (set -e)", "5-fail.envsh",
            "false\necho never\n", 1
        ),
    ])
    func failuresStopStartUp(_ behaviour: String, _ name: String, _ text: String, _ status: Int32)
        throws
    {
        let root = Root([name: (text, true)])
        defer { root.remove() }
        let result = try root.run(["nginx"])
        #expect(result.status == .exited(status), "\(behaviour): \(result.err)")
        #expect(result.out == "", "\(behaviour): nginx must not start")
        #expect(result.err.contains(name), "\(behaviour)")
    }

    @Test func otherCommandsAndAMissingDirectoryLeaveTheSequenceOut() throws {
        let root = Root(["1-x.envsh": ("export GREETING=sourced\n", true)])
        defer { root.remove() }
        let other = try root.run(["/bin/sh", "-c", "echo ${GREETING-unset}"])
        #expect(other.out == "unset\n")
        #expect(!other.err.contains("docker-entrypoint.d"))
        let viaPath = try root.run([root.work + "/bin/nginx"])
        #expect(viaPath.out.hasPrefix("nginx: unset"), "only `nginx` itself, as the image's script")
        let debug = try root.run(["nginx-debug"])
        #expect(debug.err.contains("sourcing /docker-entrypoint.d/1-x.envsh"))
        let missing = try root.run(["nginx"], ["ENTRYPOINT_NGINX_ROOT": root.work + "/none"])
        #expect(missing.out == "nginx: unset \n")
    }

    @Test func aSecretExportedBySourcingIsNeverLogged() throws {
        let sentinel = "ENVSH-S3CRET-77a1"
        let root = Root([
            "1-secret.envsh": ("export API_TOKEN=\(sentinel)\n", true),
            "2-echo.sh": ("#!/bin/sh\necho \"token is $API_TOKEN\" >&2\n", true),
        ])
        defer { root.remove() }
        let result = try root.run(["nginx"], ["ENTRYPOINT_LOG_LEVEL": "debug"])
        #expect(result.status == .exited(0))
        #expect(result.err.contains("1-secret.envsh set API_TOKEN"))
        // The script's own output is its business; the entrypoint's lines never carry the value.
        let ours = result.err.split(separator: "\n").filter { $0.hasPrefix("entrypoint:") }
        #expect(!ours.contains { $0.contains(sentinel) })
    }
}

extension EntrypointNginxSequenceTests {
    @Test func theDryRunListsTheStepsAndRunsNone() throws {
        let root = Root(["5-touch.sh": ("#!/bin/sh\ntouch \"$OUT\"\n", true)])
        defer { root.remove() }
        let marker = root.work + "/ran"
        let result = try root.run(["--dry-run", "nginx"], ["OUT": marker])
        #expect(result.status == .exited(0))
        let d = "/docker-entrypoint.d"
        #expect(
            result.out.contains(
                """
                nginx \(d)/ (after the templates):
                  \(d)/5-touch.sh
                  \(d)/10-listen-on-ipv6-by-default.sh (built in)
                  \(d)/15-local-resolvers.envsh (built in)
                  \(d)/20-envsubst-on-templates.sh (built in)
                  \(d)/30-tune-worker-processes.sh (built in)

                """), "\(result.out)")
        #expect(access(marker, F_OK) != 0, "nothing runs in a dry run")
    }
}
