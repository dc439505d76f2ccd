import Foundation
import TestSupport
import Testing

/// The render phase: templates rendered atomically before the wait, the hooks and the server.
@Suite struct EntrypointTemplateTests {
    static let nginxTemplate = """
        upstream backend { server ${BACKEND_HOST}:${BACKEND_PORT}; }
        server {
            listen ${NGINX_PORT};
            location / { proxy_set_header Host $host; proxy_pass http://backend; }
        }

        """

    @Test func templatesAreRenderedBeforeTheServerStarts() throws {
        let directory = Paths.temporaryDirectory("render")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/default.conf.template", Self.nginxTemplate)
        let result = try EntrypointHarness.run(
            [
                "--template", "\(directory)/default.conf.template:\(directory)/default.conf",
                "--allow",
                "BACKEND_HOST,BACKEND_PORT,NGINX_PORT", "--hook", "cat \(directory)/default.conf",
                "--",
                "echo", "server",
            ], environment: ["BACKEND_HOST": "app", "BACKEND_PORT": "8000", "NGINX_PORT": "80"])
        #expect(result.status == .exited(0))
        #expect(
            result.out == """
                upstream backend { server app:8000; }
                server {
                    listen 80;
                    location / { proxy_set_header Host $host; proxy_pass http://backend; }
                }
                server

                """)
        #expect(
            result.err.hasPrefix(
                "entrypoint: info: rendered \(directory)/default.conf.template -> \(directory)/default.conf\n"
            ))
    }

    @Test func aMissingVariableStopsStartUpAndLeavesTheOldConfigUntouched() throws {
        let directory = Paths.temporaryDirectory("missing")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/a.conf.template", "ok ${BACKEND_HOST}\n")
        writeFile(
            directory + "/b.conf.template", "port ${BACKEND_PORT}\n\n  listen ${NGINX_PORT};\n")
        writeFile(directory + "/a.conf", "old a\n")
        writeFile(directory + "/b.conf", "old b\n")
        let result = try EntrypointHarness.run(
            [
                "--template", "\(directory)/a.conf.template:\(directory)/a.conf", "--template",
                "\(directory)/b.conf.template:\(directory)/b.conf", "--hook", "echo never", "--",
                "echo", "never",
            ], environment: ["BACKEND_HOST": "app"])
        #expect(result.status == .exited(1))
        #expect(result.out == "")
        #expect(
            result.err == """
                \(directory)/b.conf.template:1:6: error: variable BACKEND_PORT is not set
                \(directory)/b.conf.template:1:6: note: set BACKEND_PORT, or give a default: ${BACKEND_PORT:-default}
                \(directory)/b.conf.template:3:10: error: variable NGINX_PORT is not set
                \(directory)/b.conf.template:3:10: note: set NGINX_PORT, or give a default: ${NGINX_PORT:-default}
                entrypoint: error: 2 problems in the templates or variables: nothing was rendered, start-up stopped

                """)
        #expect(readText(directory + "/a.conf") == "old a\n")
        #expect(readText(directory + "/b.conf") == "old b\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(left == ["a.conf", "a.conf.template", "b.conf", "b.conf.template"])
    }

    @Test func aDirectoryOfTemplatesMirrorsTheTree() throws {
        let directory = Paths.temporaryDirectory("tree")
        defer { Paths.removeTree(directory) }
        mkdir(directory + "/templates", 0o755)
        mkdir(directory + "/templates/conf.d", 0o755)
        writeFile(directory + "/templates/nginx.conf.template", "workers ${WORKERS}\n")
        writeFile(directory + "/templates/conf.d/site.conf.template", "site ${SITE}\n")
        writeFile(directory + "/templates/README", "not a template ${NOPE}\n")
        let result = try EntrypointHarness.run(
            [
                "--log-level", "error", "--template", "\(directory)/templates:\(directory)/out",
                "--", "sh", "-c",
                "cd \(directory)/out && find . -type f | sort && cat nginx.conf conf.d/site.conf",
            ], environment: ["WORKERS": "4", "SITE": "example"])
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(result.out == "./conf.d/site.conf\n./nginx.conf\nworkers 4\nsite example\n")
    }

    @Test func theNginxImageVariablesRenderAsItsScriptDoes() throws {
        let directory = Paths.temporaryDirectory("nginximage")
        defer { Paths.removeTree(directory) }
        mkdir(directory + "/templates", 0o755)
        mkdir(directory + "/conf.d", 0o755)
        writeFile(
            directory + "/templates/default.conf.template",
            "listen ${APP_PORT}; host $host; ${UNDEFINED_APP_X} ${OTHER}\n")
        let result = try EntrypointHarness.run(
            ["--log-level", "error", "--", "cat", directory + "/conf.d/default.conf"],
            environment: [
                "NGINX_ENVSUBST_TEMPLATE_DIR": directory + "/templates",
                "NGINX_ENVSUBST_OUTPUT_DIR": directory + "/conf.d",
                "NGINX_ENVSUBST_FILTER": "^APP_",
                "APP_PORT": "8080", "OTHER": "not selected",
            ])
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(result.out == "listen 8080; host $host; ${UNDEFINED_APP_X} ${OTHER}\n")
    }

    @Test func aFileSecretRendersIntoAPrivateFile() throws {
        let directory = Paths.temporaryDirectory("secretrender")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/pw", "s3cret\n")
        writeFile(
            directory + "/stats.cfg.template", "stats auth admin:${STATS_PASSWORD}\n", mode: 0o644)
        let result = try EntrypointHarness.run(
            [
                "--template", "\(directory)/stats.cfg.template:\(directory)/stats.cfg", "--",
                "stat", "-c", "%a",
                directory + "/stats.cfg",
            ], environment: ["STATS_PASSWORD_FILE": directory + "/pw"])
        #expect(result.status == .exited(0), "\(result.err)")
        #expect(readText(directory + "/stats.cfg") == "stats auth admin:s3cret\n")
        #expect(result.out == "600\n")
        #expect(!result.err.contains("s3cret"))
    }

    @Test(arguments: [
        ("a missing template", "/nonexistent/app.conf.template", "/tmp/app.conf", 66),
        ("an output that cannot be created", "TEMPLATE", "/proc/version/app.conf", 73),
    ])
    func templateFiles(_ behaviour: String, _ source: String, _ destination: String, _ code: Int32)
        throws
    {
        let directory = Paths.temporaryDirectory("templatefiles")
        defer { Paths.removeTree(directory) }
        writeFile(directory + "/t.template", "x\n")
        let source = source == "TEMPLATE" ? directory + "/t.template" : source
        let result = try EntrypointHarness.run([
            "--template", "\(source):\(destination)", "--", "echo", "never",
        ])
        #expect(result.status == .exited(code), "\(behaviour): \(result.err)")
        #expect(result.out == "", "\(behaviour)")
    }
}
