import TestSupport
import Testing

@Suite struct TemplaterUsageTests {
    @Test func missingSubcommandIsAUsageError() throws {
        let result = try run(Paths.binary("templater"))
        #expect(result.status == .exited(64))
        #expect(
            result.err == "templater: error: missing subcommand (render, check, vars, envsubst)\n")
    }
}
