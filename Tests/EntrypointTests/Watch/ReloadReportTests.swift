import Glibc
import Platform
import Testing

@testable import Entrypoint

/// The one line a reload logs.
@Suite struct ReloadReportTests {
    @Test(arguments: [
        (
            "applied after a check",
            ReloadReport(
                changedOutputs: 2, check: ("nginx -t", .passed), program: "nginx",
                result: .applied(signal: SIGHUP, pid: 7), nanoseconds: 41_200_000),
            "reload: 2 templates changed, nginx -t ok, SIGHUP to nginx (pid 7), 41 ms"
        ),
        (
            "applied without a check",
            ReloadReport(
                changedOutputs: 1, check: nil, program: "haproxy",
                result: .applied(signal: SIGUSR2, pid: 9), nanoseconds: 3_000_000),
            "reload: 1 template changed, no check, SIGUSR2 to haproxy (pid 9), 3 ms"
        ),
        (
            "rejected by the check",
            ReloadReport(
                changedOutputs: 1, check: ("apachectl -t", .failed(.exited(1))), program: "apache2",
                result: .rejected, nanoseconds: 35_000_000),
            "reload: 1 template changed, apachectl -t failed (exit status 1), "
                + "previous files restored, apache2 not signalled, 35 ms"
        ),
        (
            "a render that failed",
            ReloadReport(
                changedOutputs: 0, check: nil, program: "nginx", result: .renderFailed,
                nanoseconds: 2_000_000),
            "reload: render failed, previous files kept, nginx not signalled, 2 ms"
        ),
        (
            "nothing changed",
            ReloadReport(
                changedOutputs: 0, check: nil, program: "nginx", result: .unchanged,
                nanoseconds: 1_000_000),
            "reload: no output changed, nginx not signalled, 1 ms"
        ),
        (
            "a check past its timeout",
            ReloadReport(
                changedOutputs: 1, check: ("slow-check", .timedOut(seconds: 30)), program: "app",
                result: .rejected, nanoseconds: 30_000_000_000),
            "reload: 1 template changed, slow-check timed out after 30s, previous files restored, "
                + "app not signalled, 30000 ms"
        ),
    ])
    func line(_ behaviour: String, _ report: ReloadReport, _ expected: String) {
        #expect(report.line == expected, "\(behaviour)")
    }
}
