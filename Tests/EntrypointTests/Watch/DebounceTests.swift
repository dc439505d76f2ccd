import Testing

@testable import Entrypoint

/// A burst of events becomes one reload, due after the quiet period or at the limit.
@Suite struct DebounceTests {
    static let ms: UInt64 = 1_000_000

    @Test(arguments: [
        ("nothing pending: no deadline", [UInt64](), nil as UInt64?),
        ("one event: quiet period after it", [0], 50),
        ("a burst: quiet period after the last", [0, 10, 20, 30], 80),
        ("events without a pause: the limit", Array(stride(from: 0, through: 600, by: 40)), 500),
    ])
    func deadline(_ behaviour: String, _ events: [UInt64], _ expected: UInt64?) {
        var debounce = Debounce(quiet: 50 * Self.ms, limit: 500 * Self.ms)
        for event in events { debounce.note(1_000 * Self.ms + event * Self.ms) }
        #expect(
            debounce.deadline == expected.map { 1_000 * Self.ms + $0 * Self.ms }, "\(behaviour)")
    }

    @Test func aBurstIsTakenOnceThenNothingIsPending() {
        var debounce = Debounce(quiet: 50 * Self.ms, limit: 500 * Self.ms)
        for step in UInt64(0)..<10 { debounce.note(step * Self.ms) }
        let early = debounce.take(58 * Self.ms)
        let due = debounce.take(59 * Self.ms)
        let again = debounce.take(1_000 * Self.ms)
        #expect(!early)
        #expect(due)
        #expect(!again)
        #expect(debounce.deadline == nil)
    }

    @Test func theLimitIsNeverShorterThanTheQuietPeriod() {
        let debounce = Debounce(quiet: 200 * Self.ms, limit: 100 * Self.ms)
        #expect(debounce.limit == 200 * Self.ms)
    }
}
