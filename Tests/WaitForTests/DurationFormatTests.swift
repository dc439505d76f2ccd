import Testing
import WaitFor

@Suite struct DurationFormatTests {
    @Test(arguments: [
        ("bare number is seconds", "30", 30_000_000_000 as UInt64),
        ("seconds", "30s", 30_000_000_000),
        ("milliseconds", "500ms", 500_000_000),
        ("minutes", "2m", 120_000_000_000),
        ("hours", "1h", 3_600_000_000_000),
        ("fraction", "1.5s", 1_500_000_000),
        ("bare fraction", "0.25", 250_000_000),
        ("chained like Go", "1m30s", 90_000_000_000),
        ("zero", "0", 0),
        ("zero with unit", "0s", 0),
    ])
    func parses(_ behaviour: String, _ text: String, _ nanoseconds: UInt64) throws {
        #expect(try DurationFormat.parse(text) == nanoseconds, "\(behaviour)")
    }

    @Test(arguments: [
        ("empty", ""), ("unknown unit", "5x"), ("negative", "-1"), ("unit only", "s"),
        ("space", "5 s"), ("two dots", "1.2.3s"), ("number after unit", "1m30"),
        ("microseconds are not offered", "10us"), ("too long", "101d"),
        ("far too long", "9999999h"),
    ])
    func rejects(_ behaviour: String, _ text: String) {
        #expect(throws: InvalidDuration(input: text), "\(behaviour)") {
            try DurationFormat.parse(text)
        }
    }

    @Test func errorQuotesTheInputAndShowsTheForms() {
        #expect(
            InvalidDuration(input: "5x").description
                == "'5x' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)")
    }

    @Test(arguments: [
        (50_000_000 as UInt64, "50ms"), (1_000_000_000, "1s"), (60_000_000_000, "60s"),
        (1_500_000_000, "1.5s"), (120_000_000_000, "2m"), (90_000_000_000, "90s"),
        (1_250_000_000, "1.25s"),
    ])
    func formats(_ nanoseconds: UInt64, _ text: String) {
        #expect(DurationFormat.format(nanoseconds) == text)
    }

    @Test(arguments: [
        (2_314_000_000 as UInt64, "2.31s"), (0, "0.00s"), (50_000_000, "0.05s"),
        (1_999_000_000, "2.00s"),
    ])
    func formatsElapsedSeconds(_ nanoseconds: UInt64, _ text: String) {
        #expect(DurationFormat.seconds(nanoseconds) == text)
    }
}
