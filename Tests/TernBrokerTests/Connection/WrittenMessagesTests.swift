import Testing

@testable import TernBroker

@Suite struct WrittenMessagesTests {
    @Test func aWriteTheSocketTookWhollyNeedsNoMarker() {
        var messages = WrittenMessages()
        #expect(messages.wrote(10, bufferedBytes: 0) == nil)
        #expect(messages.unflushed == 0)
    }

    @Test func onlyOneMarkerWaitsAtATimeAndItsCompletionCountsWhatCameBeforeIt() {
        var messages = WrittenMessages()
        #expect(messages.wrote(10, bufferedBytes: 500) == 10)
        #expect(messages.wrote(5, bufferedBytes: 900) == nil, "a marker already waits")
        #expect(messages.unflushed == 15)
        messages.markerCompleted(after: 10, succeeded: true)
        #expect(messages.unflushed == 5)
        #expect(messages.wrote(1, bufferedBytes: 100) == 16)
        messages.markerCompleted(after: 16, succeeded: false)
        #expect(messages.unflushed == 6, "a failed marker proves nothing")
        messages.allFlushed()
        #expect(messages.unflushed == 0)
    }

    @Test func anEmptyChannelProvesEverythingBeforeIt() {
        var messages = WrittenMessages()
        _ = messages.wrote(10, bufferedBytes: 500)
        _ = messages.wrote(3, bufferedBytes: 0)
        #expect(messages.unflushed == 0)
        messages.markerCompleted(after: 10, succeeded: true)
        #expect(messages.unflushed == 0, "a late marker does not move the count back")
    }
}
