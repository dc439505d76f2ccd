import Foundation
import TestSupport
import Testing

/// Real nginx, httpd and HAProxy started through `dist/entrypoint --watch`, each once, with its
/// config template on a kubelet-style volume, under a bounded request stream while the volume is
/// updated good, broken, good (Tests/Kubelet/reload_under_load.py does the run and reports JSON).
///
/// Requirements: no request fails; each good update is served within 5 s of kubelet's `..data`
/// rename; a broken update never reaches the server (its check rejects it, its version is never
/// served); the entrypoint logs one reload line per update: applied, rejected, applied.
@Suite(.serialized) struct EntrypointWatchServerTests {
    static var entrypoint: String {
        (ProcessInfo.processInfo.environment["TOOLKIT_DIST"] ?? Paths.packageRoot + "/dist")
            + "/entrypoint"
    }

    /// What the driver reported.
    struct Report: Decodable {
        var server: String
        var skipped: String?
        var error: String?
        var requests: Int?
        var failed: Int?
        var failures: [String]?
        var latenciesMs: [Double]?
        var brokenServed: [String]?
        var reloads: [String]?
        var stderrTail: [String]?

        enum CodingKeys: String, CodingKey {
            case server, skipped, error, requests, failed, failures, reloads
            case latenciesMs = "latencies_ms"
            case brokenServed = "broken_served"
            case stderrTail = "stderr_tail"
        }
    }

    @Test(arguments: ["nginx", "httpd", "haproxy"])
    func goodBrokenGoodUnderLoad(_ server: String) throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.entrypoint),
            "\(Self.entrypoint) is missing: run make dist")
        let result = try run(
            "/usr/bin/python3",
            [
                Paths.packageRoot + "/Tests/Kubelet/reload_under_load.py", "--entrypoint",
                Self.entrypoint, "--server", server, "--updates", "good,broken,good",
                "--bound", "5", "--max-requests", "20000", "--max-seconds", "20",
            ], timeout: 60)
        #expect(result.status == .exited(0), "\(result.err)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout))
        try #require(report.skipped == nil, "\(server) is not installed")
        let context = (report.stderrTail ?? []).joined(separator: "\n")
        #expect(report.error == nil, "\(context)")
        #expect((report.requests ?? 0) > 50, "too few requests to mean anything")
        #expect(report.failed == 0, "\(report.failures ?? [])")
        #expect(report.latenciesMs?.count == 2, "\(context)")
        #expect((report.latenciesMs ?? []).allSatisfy { $0 < 5000 })
        #expect(report.brokenServed == [])
        let reloads = report.reloads ?? []
        #expect(reloads.count == 3, "\(reloads)")
        if reloads.count == 3 {
            #expect(reloads[0].contains(" ok, SIG"), "\(reloads[0])")
            #expect(
                reloads[1].contains(" failed (exit status 1), previous files restored, ")
                    && reloads[1].hasSuffix(" ms") && reloads[1].contains("not signalled"),
                "\(reloads[1])")
            #expect(reloads[2].contains(" ok, SIG"), "\(reloads[2])")
        }
    }
}
