import NIOCore
import NIOEmbedded
import Testing

@testable import TernBroker

/// ``InputPolling``: a loop polls for the window after its last input, then sleeps.
@Suite struct InputPollingTests {
    @Test func aLoopPollsUntilTheWindowAfterItsLastInputHasPassed() throws {
        let loop = EmbeddedEventLoop()
        let poller = try #require(InputPolling(window: .microseconds(100)).poller(on: loop))
        #expect(!poller.isPolling)
        poller.inputArrived()
        #expect(poller.isPolling)
        loop.advanceTime(by: .microseconds(60))
        poller.inputArrived()
        // 159 µs after the first input, 99 after the second: still polling.
        loop.advanceTime(by: .microseconds(99))
        #expect(poller.isPolling)
        loop.advanceTime(by: .microseconds(2))
        #expect(!poller.isPolling)
        // Asleep, nothing is scheduled: a later input starts polling again.
        loop.advanceTime(by: .seconds(1))
        poller.inputArrived()
        #expect(poller.isPolling)
    }

    @Test func eachLoopHasOnePoller() throws {
        let (first, second) = (EmbeddedEventLoop(), EmbeddedEventLoop())
        let polling = InputPolling(window: .microseconds(100))
        let poller = try #require(polling.poller(on: first))
        #expect(polling.poller(on: first) === poller)
        #expect(polling.poller(on: second) !== poller)
    }

    @Test func aZeroWindowTurnsPollingOff() {
        #expect(InputPolling(window: .zero).poller(on: EmbeddedEventLoop()) == nil)
    }
}
