import TestSupport
import Testing

/// Whole templates rendered by the binary, compared byte for byte with recorded outputs.
///
/// Each case is a directory under `Golden/`: `template`, `env` (an `--env-file`), `args` (one argument per
/// line), and the recorded `out`, `err` and `status`. `TEMPLATER_RECORD=1 swift test --filter Golden`
/// records them anew — and fails, so that a recording is always reviewed before it is committed.
@Suite struct TemplaterGoldenTests {
    static let directory = Paths.packageRoot + "/Tests/EndToEndTests/Golden"

    @Test(arguments: ["nginx", "httpd", "haproxy", "nginx-missing"])
    func golden(_ name: String) throws {
        let caseDirectory = Self.directory + "/" + name
        let args = (readText(caseDirectory + "/args") ?? "").split(separator: "\n").map(String.init)
        let result = try run(
            Paths.binary("templater"), ["render", "template", "--env-file", "env"] + args,
            environment: ["PATH": "/usr/bin:/bin"], directory: caseDirectory)
        let status = "\(result.status.code)\n"
        if currentEnvironment()["TEMPLATER_RECORD"] == "1" {
            writeFile(caseDirectory + "/out", bytes: result.stdout)
            writeFile(caseDirectory + "/err", bytes: result.stderr)
            writeFile(caseDirectory + "/status", status)
            Issue.record(
                "recorded \(name); review the files and run again without TEMPLATER_RECORD")
            return
        }
        #expect(result.stdout == readFile(caseDirectory + "/out"), "stdout of \(name)")
        #expect(result.err == readText(caseDirectory + "/err"), "stderr of \(name)")
        #expect(status == readText(caseDirectory + "/status"), "status of \(name)")
    }
}
