import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `nginx -t` on what the built-in `/docker-entrypoint.d/` steps write: templates with nginx's own
/// `$host`, the local resolvers, a stream template with the appended `stream {}` block, the tuned
/// `worker_processes` and the IPv6 listen of the packaged `default.conf`. The tree is rendered
/// below a temporary root (`ENTRYPOINT_NGINX_ROOT`) and checked by Debian's nginx in a private
/// mount namespace where that tree is `/etc/nginx`, since the rendered includes name
/// `/etc/nginx/...` as they would in the container.
@Suite struct NginxParityServerTests {
    static let nginx = "/usr/sbin/nginx"
    static let streamModule = "/usr/lib/nginx/modules/ngx_stream_module.so"
    static var available: Bool {
        getuid() == 0 && access(nginx, X_OK) == 0 && access("/usr/bin/unshare", X_OK) == 0
    }

    @Test(.enabled(if: available)) func nginxAcceptsWhatTheStepsRender() throws {
        let work = Paths.temporaryDirectory("nginx-parity-t")
        defer { Paths.removeTree(work) }
        let root = work + "/root"
        for directory in [
            "etc/nginx/templates/sites", "etc/nginx/conf.d", "docker-entrypoint.d", "proc/net",
            "proc/self", "sys/fs/cgroup", "var/lib/dpkg",
        ] {
            _ = try run("/bin/mkdir", ["-p", root + "/" + directory])
        }
        for directory in ["bin", "run"] { mkdir(work + "/" + directory, 0o755) }
        let loadStream =
            access(Self.streamModule, R_OK) == 0 ? "load_module \(Self.streamModule);\n" : ""
        writeFile(
            root + "/etc/nginx/nginx.conf",
            loadStream + """
                worker_processes auto;
                pid \(work)/run/nginx.pid;
                error_log stderr notice;
                events { worker_connections 64; }
                http {
                    access_log off;
                    include /etc/nginx/conf.d/*.conf;
                }

                """)
        writeFile(
            root + "/etc/nginx/templates/app.conf.template",
            """
            resolver ${NGINX_LOCAL_RESOLVERS} valid=10s;
            server {
                listen 127.0.0.1:${APP_PORT};
                location / {
                    proxy_set_header Host $host;
                    set $backend "http://${APP_BACKEND}";
                    proxy_pass $backend$request_uri;
                }
            }

            """)
        writeFile(root + "/etc/nginx/templates/sites/extra.conf.template", "# ${APP_PORT}\n")
        if !loadStream.isEmpty {
            writeFile(
                root + "/etc/nginx/templates/db.conf.stream-template",
                "server {\n    listen 127.0.0.1:${DB_PORT};\n    proxy_pass 127.0.0.1:5432;\n}\n")
        }
        let packaged = "server {\n    listen       80;\n    server_name  localhost;\n}\n"
        writeFile(root + "/etc/nginx/conf.d/default.conf", packaged)
        writeFile(root + "/proc/net/if_inet6", "00000000000000000000000000000001 01 80 10 80 lo\n")
        writeFile(root + "/etc/os-release", "ID=debian\n")
        writeFile(
            root + "/var/lib/dpkg/status",
            "Package: nginx\nStatus: install ok installed\nConffiles:\n /etc/nginx/conf.d/default.conf "
                + md5(packaged) + "\n")
        writeFile(root + "/etc/resolv.conf", "nameserver 127.0.0.1\nnameserver ::1\n")
        writeFile(
            root + "/proc/self/mountinfo",
            "24 1 0:21 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
        writeFile(root + "/proc/self/cgroup", "0::/\n")
        writeFile(root + "/sys/fs/cgroup/cpu.max", "100000 100000\n")
        writeFile(work + "/bin/nginx", "#!/bin/sh\nexit 0\n", mode: 0o755)

        let result = try run(
            EntrypointHarness.binary, ["nginx", "-g", "daemon off;"],
            environment: [
                "PATH": "\(work)/bin:/usr/bin:/bin", "ENTRYPOINT_NGINX_ROOT": root,
                "APP_PORT": "18080", "APP_BACKEND": "127.0.0.1:8000", "DB_PORT": "15432",
                "NGINX_ENTRYPOINT_LOCAL_RESOLVERS": "1",
                "NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE": "1",
            ])
        #expect(result.status == .exited(0), "\(result.err)")
        let conf = readText(root + "/etc/nginx/conf.d/app.conf") ?? ""
        #expect(conf.hasPrefix("resolver 127.0.0.1 [::1] valid=10s;\n"))
        #expect(conf.contains("proxy_set_header Host $host;"))
        #expect(
            readText(root + "/etc/nginx/nginx.conf")?.contains("\nworker_processes 1;\n") == true)
        #expect(
            readText(root + "/etc/nginx/conf.d/default.conf")?.contains("listen  [::]:80;") == true)
        if !loadStream.isEmpty {
            #expect(
                readText(root + "/etc/nginx/nginx.conf")?.hasSuffix(
                    "stream {\n  include /etc/nginx/stream-conf.d/*.conf;\n}\n") == true)
        }

        let check = try run(
            "/usr/bin/unshare",
            [
                "--mount", "/bin/sh", "-c",
                #"mount --make-rprivate / && mount --bind "$1/etc/nginx" /etc/nginx && exec "$2" -t -c /etc/nginx/nginx.conf"#,
                "sh", root, Self.nginx,
            ])
        #expect(check.status == .exited(0), "nginx -t:\n\(check.err)")
        #expect(check.err.contains("test is successful"), "\(check.err)")
    }

    /// `md5sum` of `text`.
    private func md5(_ text: String) -> String {
        let result = try? run("/usr/bin/md5sum", [], input: text)
        return String((result?.out ?? "").prefix(32))
    }
}
