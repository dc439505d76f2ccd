import Platform
import Testing

@testable import WaitFor

@Suite struct WaitOptionsTests {
    static let millisecond: UInt64 = 1_000_000
    static let second: UInt64 = 1_000_000_000

    @Test(arguments: [
        ("first attempt", 0 as UInt64, nil as UInt64?, 50 as UInt64),
        ("fast for the first 10 s", 9 * second, 50 * millisecond, 50),
        ("then 1.5 times slower each attempt", 10 * second, 50 * millisecond, 75),
        ("growing", 11 * second, 400 * millisecond, 600),
        ("up to once a second", 20 * second, 900 * millisecond, 1000),
        ("and no further", 60 * second, 1000 * millisecond, 1000),
    ])
    func defaultSchedule(
        _ behaviour: String, _ elapsed: UInt64, _ previous: UInt64?, _ milliseconds: UInt64
    ) {
        let options = WaitOptions()
        #expect(
            options.nextInterval(elapsed: elapsed, previous: previous)
                == milliseconds * Self.millisecond, "\(behaviour)")
    }

    @Test func aFixedIntervalStaysFixedAndNeverFasterThan20ASecond() {
        let fixed = WaitOptions(interval: 2 * Self.second)
        #expect(fixed.nextInterval(elapsed: 0, previous: nil) == 2 * Self.second)
        #expect(
            fixed.nextInterval(elapsed: 30 * Self.second, previous: 2 * Self.second) == 2
                * Self.second)
        let tooFast = WaitOptions(interval: 10 * Self.millisecond)
        #expect(tooFast.nextInterval(elapsed: 0, previous: nil) == 50 * Self.millisecond)
    }

    static let event = WaitEvent(
        kind: .ready, level: .info, target: "db:5432",
        message: "db:5432 ready after 2.31s, 7 attempts (server version \"10.11\")",
        elapsed: 2_314_000_000, attempts: 7, reason: "server version \"10.11\"")

    @Test func textLines() {
        #expect(
            WaitOptions().logLine(for: Self.event, tool: "wait-for")
                == "wait-for: info: db:5432 ready after 2.31s, 7 attempts (server version \"10.11\")"
        )
        #expect(WaitOptions(quiet: true).logLine(for: Self.event, tool: "wait-for") == nil)
        var error = Self.event
        error.level = .error
        #expect(
            WaitOptions(quiet: true).logLine(for: error, tool: "entrypoint")?.hasPrefix(
                "entrypoint: error: ") == true)
    }

    @Test func jsonLines() {
        #expect(
            Self.event.jsonLine(tool: "wait-for", time: "2025-01-31T12:00:00.123Z")
                == #"{"time":"2025-01-31T12:00:00.123Z","tool":"wait-for","level":"info","event":"ready","#
                + #""target":"db:5432","elapsed":2.31,"attempts":7,"reason":"server version \"10.11\"","#
                + #""message":"db:5432 ready after 2.31s, 7 attempts (server version \"10.11\")"}"#)
    }

    @Test func jsonEscapesControlCharacters() {
        #expect(jsonString("a\u{1}b\n\t\\") == #""a\u0001b\n\t\\""#)
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        let stamp = utcTimestamp()
        #expect(stamp.count == 24)
        #expect(stamp.hasSuffix("Z"))
        #expect(Array(stamp)[10] == "T")
    }
}
