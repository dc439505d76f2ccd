import Entrypoint
import Testing

@Suite struct LogTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
    }

    @Test func secretValuesAreRedactedAtEveryLevel() {
        for level in LogLevel.allCases {
            let collected = Lines()
            let log = Log(level: .debug) { level, message in
                collected.lines.append("\(level.name): \(message)")
            }
            log.addSecrets(["s3cr3t", "s3cr3t-longer", ""])
            log.log(level, "password s3cr3t-longer and s3cr3t, twice: s3cr3ts3cr3t")
            #expect(
                collected.lines == [
                    "\(level.name): password <redacted> and <redacted>, twice: <redacted><redacted>"
                ])
        }
    }

    @Test func levelsFilter() {
        let collected = Lines()
        let log = Log(level: .warning) { level, message in
            collected.lines.append("\(level.name): \(message)")
        }
        log.debug("d")
        log.info("i")
        log.warning("w")
        log.error("e")
        #expect(collected.lines == ["warning: w", "error: e"])
    }
}
