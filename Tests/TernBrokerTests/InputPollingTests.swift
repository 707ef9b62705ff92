import NIOCore
import NIOEmbedded
import Testing
import TernPolling

@testable import TernBroker

/// `LoopPoller` and its `PollingSlots`, and ``InputPolling``'s one poller per loop.
@Suite struct InputPollingTests {
    @Test func aLoopPollsUntilTheLatestWindowHasPassed() {
        let loop = EmbeddedEventLoop()
        let poller = LoopPoller(eventLoop: loop, slots: PollingSlots(count: 1))
        #expect(!poller.isPolling)
        poller.keepPolling(for: .microseconds(100))
        #expect(poller.isPolling)
        loop.advanceTime(by: .microseconds(60))
        poller.keepPolling(for: .microseconds(100))
        // 159 µs after the first call, 99 after the second: still polling.
        loop.advanceTime(by: .microseconds(99))
        #expect(poller.isPolling)
        loop.advanceTime(by: .microseconds(2))
        #expect(!poller.isPolling)
        // Asleep, nothing is scheduled: a later call polls again.
        loop.advanceTime(by: .seconds(1))
        poller.keepPolling(for: .microseconds(100))
        #expect(poller.isPolling)
    }

    @Test func aShorterWindowDoesNotCutALongerOneShort() {
        let loop = EmbeddedEventLoop()
        let poller = LoopPoller(eventLoop: loop, slots: PollingSlots(count: 1))
        poller.keepPolling(for: .microseconds(200))
        poller.keepPolling(for: .microseconds(10))
        loop.advanceTime(by: .microseconds(150))
        #expect(poller.isPolling)
    }

    @Test func loopsPollOnlyWhileTheyHoldASlot() {
        let (first, second) = (EmbeddedEventLoop(), EmbeddedEventLoop())
        let slots = PollingSlots(count: 1)
        let (holder, waiter) = (LoopPoller(eventLoop: first, slots: slots), LoopPoller(eventLoop: second, slots: slots))
        holder.keepPolling(for: .microseconds(100))
        waiter.keepPolling(for: .microseconds(100))
        #expect(holder.isPolling && !waiter.isPolling)
        first.advanceTime(by: .microseconds(101))
        #expect(!holder.isPolling)
        waiter.keepPolling(for: .microseconds(100))
        #expect(waiter.isPolling)
        let slotless = LoopPoller(eventLoop: first, slots: PollingSlots(count: 0))
        slotless.keepPolling(for: .microseconds(100))
        #expect(!slotless.isPolling, "a single core has no slot to spare")
    }

    @Test func eachLoopHasOneInputPoller() throws {
        let (first, second) = (EmbeddedEventLoop(), EmbeddedEventLoop())
        let polling = InputPolling(window: .microseconds(100))
        let poller = try #require(polling.poller(on: first))
        #expect(polling.poller(on: first) === poller)
        #expect(polling.poller(on: second) !== poller)
    }

    @Test func aZeroWindowTurnsInputPollingOff() {
        #expect(InputPolling(window: .zero).poller(on: EmbeddedEventLoop()) == nil)
    }
}
