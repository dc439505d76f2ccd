import Foundation
import TestSupport
import Testing

/// Real nginx started through the entrypoint: exec'd in place it is PID 1's stand-in (same PID, clean
/// signal state) and stops gracefully on SIGQUIT; under `--init` the same SIGQUIT is forwarded.
@Suite struct EntrypointNginxTests {
    /// A directory with an nginx configuration listening on a free loopback port.
    struct Site {
        var directory: String
        var port: UInt16
        var config: String { directory + "/nginx.conf" }

        init() throws {
            directory = Paths.temporaryDirectory("nginx")
            // A free port: bound, read, released (nginx binds it a moment later).
            port = try TestListener().port
            writeFile(
                directory + "/nginx.conf",
                """
                daemon off;
                user root;
                worker_processes 1;
                pid \(directory)/nginx.pid;
                error_log stderr notice;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path \(directory)/body;
                    proxy_temp_path \(directory)/proxy;
                    fastcgi_temp_path \(directory)/fastcgi;
                    uwsgi_temp_path \(directory)/uwsgi;
                    scgi_temp_path \(directory)/scgi;
                    server {
                        listen 127.0.0.1:\(port);
                        location / { return 200 "hello from $host\\n"; }
                    }
                }

                """)
        }

        /// Whether nginx answers on the port.
        func answers() -> Bool {
            (try? run("/usr/bin/curl", ["-s", "-m", "1", "http://127.0.0.1:\(port)/"]))?.out
                == "hello from 127.0.0.1\n"
        }
    }

    @Test func nginxExecdInPlaceKeepsThePIDAndQuitsGracefully() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx"),
            "nginx is not installed")
        let site = try Site()
        defer { Paths.removeTree(site.directory) }
        let child = try EntrypointHarness.start(["--", "/usr/sbin/nginx", "-c", site.config])
        defer { if child.poll() == nil { child.signal(SIGKILL) } }
        #expect(EntrypointHarness.waitUntil { site.answers() }, "nginx does not answer")
        #expect(
            EntrypointHarness.commandLine(child.pid).first?.hasPrefix("nginx: master process")
                == true)
        #expect(EntrypointHarness.status(child.pid, "SigBlk") == "0000000000000000")
        child.signal(SIGQUIT)
        let result = child.finish(timeout: 10)
        #expect(result.status == .exited(0))
        #expect(result.err.contains("gracefully shutting down"))
    }

    @Test func aRenderedTemplateKeepsNginxVariablesAndServes() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx"),
            "nginx is not installed")
        let site = try Site()
        defer { Paths.removeTree(site.directory) }
        // The template: the configuration with the port and the greeting as variables; nginx's own
        // $host must survive (--braces-only), and `nginx -t` must accept the result.
        let config = readText(site.config) ?? ""
        writeFile(
            site.directory + "/nginx.conf.template",
            config.replacingOccurrences(
                of: "listen 127.0.0.1:\(site.port);", with: "listen 127.0.0.1:${PORT};"
            )
            .replacingOccurrences(of: "hello from", with: "${GREETING} from"))
        unlink(site.config)
        let child = try EntrypointHarness.start(
            [
                "--template", "\(site.directory)/nginx.conf.template:\(site.config)",
                "--braces-only",
                "--hook", "/usr/sbin/nginx -t -q -c \(site.config)", "--", "/usr/sbin/nginx", "-c",
                site.config,
            ], environment: ["PORT": "\(site.port)", "GREETING": "hello"])
        defer { if child.poll() == nil { child.signal(SIGKILL) } }
        #expect(
            EntrypointHarness.waitUntil { site.answers() },
            "nginx does not answer: \(child.stderrSoFar)")
        child.signal(SIGQUIT)
        #expect(child.finish(timeout: 10).status == .exited(0))
    }

    @Test func underInitSIGQUITReachesNginx() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx"),
            "nginx is not installed")
        let site = try Site()
        defer { Paths.removeTree(site.directory) }
        let child = try EntrypointHarness.start([
            "--init", "--", "/usr/sbin/nginx", "-c", site.config,
        ])
        defer { if child.poll() == nil { child.signal(SIGKILL) } }
        #expect(EntrypointHarness.waitUntil { site.answers() }, "nginx does not answer")
        child.signal(SIGQUIT)
        let result = child.finish(timeout: 10)
        #expect(result.status == .exited(0))
        #expect(result.err.contains("gracefully shutting down"))
        #expect(result.err.contains("entrypoint: info: /usr/sbin/nginx (pid "))
    }
}
