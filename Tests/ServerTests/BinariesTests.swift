import TestSupport
import Testing

@Suite struct BinariesTests {
    @Test func theTestedBinariesExist() throws {
        for tool in ["templater", "wait-for", "entrypoint"] {
            let result = try run("/usr/bin/test", ["-x", Paths.binary(tool)])
            #expect(result.status == .exited(0), "\(Paths.binary(tool)) is not built")
        }
    }
}
