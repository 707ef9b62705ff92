import NIOCore
import Testing
@testable import TernBroker

/// The rates `/topics`, `/connections` and `tern top` show.
@Suite struct RateTrackerTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func theFirstLookShowsNothingAndLaterLooksTheRateSinceTheBaseline() {
        var tracker = RateTracker<String>()
        #expect(tracker.rates(of: "a", messages: 500, bytes: 5_000, at: start) == (0, 0))
        let second = tracker.rates(of: "a", messages: 1_500, bytes: 15_000, at: start + .seconds(1))
        #expect(second.messages == 1_000 && second.bytes == 10_000)
        // A look soon after keeps the baseline of a second ago.
        let soon = tracker.rates(of: "a", messages: 2_000, bytes: 20_000, at: start + .milliseconds(1_500))
        #expect(soon.messages == 1_000, "500 messages in the half second since the last baseline")
    }

    @Test func aCounterThatWentDownIsANewTopicOfTheSameName() {
        var tracker = RateTracker<String>()
        _ = tracker.rates(of: "a", messages: 900, bytes: 900, at: start)
        let rates = tracker.rates(of: "a", messages: 100, bytes: 100, at: start + .seconds(1))
        #expect(rates.messages == 0 && rates.bytes == 0)
    }

    @Test func keysNobodyLooksAtAreForgotten() {
        var tracker = RateTracker<String>()
        _ = tracker.rates(of: "old", messages: 10, bytes: 10, at: start)
        _ = tracker.rates(of: "kept", messages: 10, bytes: 10, at: start + .seconds(59))
        tracker.forgetStale(at: start + .seconds(61))
        #expect(tracker.rates(of: "old", messages: 20, bytes: 20, at: start + .seconds(62)) == (0, 0), "a new baseline")
        #expect(tracker.rates(of: "kept", messages: 72, bytes: 72, at: start + .seconds(62)).messages > 0)
    }
}
