import Foundation
import TestSupport
import Testing

/// Graceful stop under load, real servers: nginx, httpd and HAProxy started through `dist/entrypoint`
/// with their image's stop profile, proxying to a backend that takes 200 ms per request, get SIGTERM
/// mid-stream. Every request accepted before the server stopped listening completes with status 200
/// (0 lost); the same with plain exec and SIGTERM straight to the server is the baseline, printed
/// next to it (`scripts/lib/stopload.py` says how requests are counted).
///
/// The load: 32 keep-alive and 32 fresh-connection clients for 1 s before SIGTERM and 1 s after
/// it (the load balancer that still routes to the pod until its endpoint is removed), and 4 requests
/// of 1.5 s that start 0.5 s before the drain ends, so that they are in flight when the graceful
/// signal arrives. The drain is 1.5 s here (the images' 5 s would only make the suite slower); the
/// signal map and the stop timeout are the image's, read from its Dockerfile.
@Suite(.serialized) struct GracefulStopTests {
    /// `$TOOLKIT_DIST/entrypoint`, else `dist/entrypoint`.
    static var entrypoint: String { EntrypointDistTests.binary }
    static let script = Paths.packageRoot + "/scripts/lib/stopload.py"
    static let drain = "1500ms"

    /// One backend for the whole suite.
    static let backend: (child: ChildProcess, port: UInt16)? = {
        guard let child = try? ChildProcess("/usr/bin/python3", [script, "backend"]) else {
            return nil
        }
        var port: UInt16?
        child.waitForOutput(seconds: 20) { out, _ in
            port = UInt16(out.trimmingCharacters(in: .whitespacesAndNewlines))
            return port != nil
        }
        return port.map { (child, $0) }
    }()

    /// A server under test: its program, how to write its configuration, and its image.
    struct Server: CustomStringConvertible, Sendable {
        var name: String
        var program: String
        var image: String
        var arguments: @Sendable (_ directory: String) -> [String]
        var configuration:
            @Sendable (_ directory: String, _ port: UInt16, _ backend: UInt16) -> String
        var description: String { name }
    }

    static let servers: [Server] = [
        Server(
            name: "nginx", program: "/usr/sbin/nginx", image: "nginx",
            arguments: { ["/usr/sbin/nginx", "-e", "stderr", "-c", $0 + "/server.conf"] },
            configuration: { directory, port, backend in
                """
                daemon off;
                user root;
                worker_processes 1;
                pid \(directory)/nginx.pid;
                error_log stderr notice;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    client_body_temp_path \(directory)/body;
                    proxy_temp_path \(directory)/proxy;
                    fastcgi_temp_path \(directory)/fastcgi;
                    uwsgi_temp_path \(directory)/uwsgi;
                    scgi_temp_path \(directory)/scgi;
                    server {
                        listen 127.0.0.1:\(port);
                        location / { proxy_pass http://127.0.0.1:\(backend); }
                    }
                }

                """
            }),
        Server(
            name: "httpd", program: "/usr/sbin/apache2", image: "httpd",
            arguments: { ["/usr/sbin/apache2", "-f", $0 + "/server.conf", "-DFOREGROUND"] },
            configuration: { directory, port, backend in
                let modules = "/usr/lib/apache2/modules"
                return """
                    ServerRoot "\(directory)"
                    Listen 127.0.0.1:\(port)
                    ServerName 127.0.0.1
                    PidFile "\(directory)/httpd.pid"
                    DefaultRuntimeDir "\(directory)"
                    LoadModule mpm_event_module \(modules)/mod_mpm_event.so
                    LoadModule authz_core_module \(modules)/mod_authz_core.so
                    LoadModule proxy_module \(modules)/mod_proxy.so
                    LoadModule proxy_http_module \(modules)/mod_proxy_http.so
                    <IfModule !unixd_module>
                        LoadModule unixd_module \(modules)/mod_unixd.so
                    </IfModule>
                    User nobody
                    Group nogroup
                    ErrorLog /proc/self/fd/2
                    LogLevel notice
                    KeepAlive On
                    StartServers 1
                    ServerLimit 2
                    ThreadsPerChild 64
                    MaxRequestWorkers 128
                    ProxyPass "/" "http://127.0.0.1:\(backend)/"

                    """
            }),
        Server(
            name: "haproxy", program: "/usr/sbin/haproxy", image: "haproxy",
            // The image's CMD: master-worker mode in the foreground.
            arguments: { ["/usr/sbin/haproxy", "-W", "-db", "-f", $0 + "/server.conf"] },
            configuration: { _, port, backend in
                """
                global
                    maxconn 2048
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                    timeout http-keep-alive 10s
                frontend web
                    bind 127.0.0.1:\(port)
                    default_backend app
                backend app
                    server app 127.0.0.1:\(backend)

                """
            }),
    ]

    /// The `ENTRYPOINT_*` lines of `images/IMAGE/Dockerfile`.
    static func profile(of image: String) -> [String: String] {
        let text = readText(Paths.packageRoot + "/images/\(image)/Dockerfile") ?? ""
        var result: [String: String] = [:]
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\\" })
        where word.hasPrefix("ENTRYPOINT_STOP_") || word.hasPrefix("ENTRYPOINT_SIGNAL_") {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { result[parts[0]] = parts[1] }
        }
        return result
    }

    /// The load generator's counts.
    struct Counts: Decodable, CustomStringConvertible {
        var ok: Int
        var lost: Int
        var refused: Int
        var retried: Int
        var longOk: Int
        var longLost: Int
        var longRefused: Int
        var inFlightAtSignal: Int
        var total: Int
        var errors: [String: Int]
        var statuses: [String: Int]
        var description: String {
            "\(total) accepted, \(lost + longLost) lost (\(longLost) of \(longOk + longLost) "
                + "long), \(refused + longRefused) refused, \(retried) retried, "
                + "\(inFlightAtSignal) in flight at SIGTERM; errors \(errors), statuses \(statuses)"
        }
    }

    /// Starts `server` (through the profile, or exec'd plainly), loads it, signals it, and returns
    /// the counts, the exit status and the output.
    static func stop(_ server: Server, profile: Bool) throws -> (Counts, ProcessResult) {
        let backendPort = try #require(backend?.port, "the backend did not start")
        let directory = Paths.temporaryDirectory("stop-\(server.name)")
        defer { Paths.removeTree(directory) }
        let port = try freePort()
        writeFile(directory + "/server.conf", server.configuration(directory, port, backendPort))
        var environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"]
        if profile {
            environment.merge(Self.profile(of: server.image)) { _, new in new }
            environment["ENTRYPOINT_STOP_DELAY"] = drain
        }
        let child = try ChildProcess(
            entrypoint, ["--"] + server.arguments(directory), environment: environment)
        defer { if child.poll() == nil { child.signal(SIGKILL) } }
        let listening = waitUntil(seconds: 20) {
            (try? TestSupport.run(
                "/usr/bin/curl",
                ["-s", "-o", "/dev/null", "-m", "2", "http://127.0.0.1:\(port)/?ms=0"]))?
                .status == .exited(0)
        }
        try #require(listening, "\(server.name) does not answer: \(child.stderrSoFar)")
        let load = try TestSupport.run(
            "/usr/bin/python3",
            [
                script, "load", "http://127.0.0.1:\(port)/", "\(child.pid)", "--warm", "1", "--lag",
                "1", "--long-at", "1", "--workers", "32", "--long", "4",
            ], timeout: 60)
        let result = child.finish(timeout: 30)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let counts = try decoder.decode(Counts.self, from: Data(load.stdout))
        return (counts, result)
    }

    @Test(arguments: servers)
    func theImageProfileLosesNoRequestAndPlainExecIsTheBaseline(_ server: Server) throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: server.program), "no \(server.program)")
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.entrypoint),
            "no \(Self.entrypoint): make dist")
        let (graceful, stopped) = try Self.stop(server, profile: true)
        let (plain, killed) = try Self.stop(server, profile: false)
        print("graceful stop, \(server.name) with its profile: \(graceful)")
        print("graceful stop, \(server.name) plain exec + SIGTERM: \(plain)")

        #expect(
            graceful.lost == 0 && graceful.longLost == 0,
            "\(server.name): \(graceful)\n\(stopped.err)")
        #expect(graceful.longOk == 4, "\(server.name): \(graceful)")
        #expect(graceful.refused == 0, "\(server.name): \(graceful)")
        #expect(graceful.total >= 300, "\(server.name): \(graceful)")
        #expect(stopped.status == .exited(0), "\(server.name): \(stopped.err)")
        #expect(stopped.err.contains("stop: SIGTERM received, draining 1.5s"), "\(stopped.err)")

        // What is certain about the baseline: the server is gone long before the load balancer
        // stops sending, so requests of the lag are refused, and the long ones never start.
        #expect(plain.refused > 0, "\(server.name): \(plain)")
        #expect(plain.longOk == 0, "\(server.name): \(plain)")
        _ = killed
    }
}
