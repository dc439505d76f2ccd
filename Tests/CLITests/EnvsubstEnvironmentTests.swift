import CLI
import Testing

/// envsubst mode reads the environment it is given, not the process's: `POSIXLY_CORRECT` (which
/// makes `-v` after an operand an operand, so GNU's "too many arguments", exit 1) counts only when
/// the given environment has it. The test process has no `POSIXLY_CORRECT` of its own.
///
/// The calls write to the test's stdout and stderr (`A`, `envsubst: too many arguments`).
@Suite struct EnvsubstEnvironmentTests {
    @Test(arguments: [
        ("POSIXLY_CORRECT in the given environment", ["POSIXLY_CORRECT": "1"], Int32(1)),
        ("no POSIXLY_CORRECT in the given environment", [String: String](), 0),
    ])
    func envsubstModeReadsTheGivenEnvironment(
        _ behaviour: String, _ environment: [String: String], _ status: Int32
    ) {
        #expect(
            TemplaterCommand.envsubstMain(["$A", "-v"], environment: RawEnvironment(environment))
                == status, "\(behaviour)")
        #expect(
            TemplaterCommand.main(["envsubst", "$A", "-v"], environment: environment) == status,
            "templater envsubst: \(behaviour)")
    }

    /// The byte form keeps what a dictionary cannot: the first of two entries wins, and values are
    /// bytes.
    @Test func rawEnvironmentKeepsOrderAndBytes() {
        let raw = RawEnvironment(entries: [
            (name: Array("A".utf8), value: [0xFF]), (name: Array("A".utf8), value: Array("2".utf8)),
        ])
        #expect(raw.value(of: "A") == [0xFF])
        #expect(raw.value(of: "B") == nil)
        #expect(RawEnvironment(["B": "2", "A": "1"]).entries.map(\.name) == [[0x41], [0x42]])
    }
}
