import NIOCore
import Testing
import TernProtocol

@testable import TernBroker

@Suite struct SubscriberQueueTests {
    /// Stands in for the topic that offers messages.
    private final class Waker: Sendable {}

    private let topic = Waker()

    private func messages(_ range: ClosedRange<Int>) -> [PublishedMessage] {
        range.map { PublishedMessage(Frame.Publish(topic: "queue.test", payload: ByteBuffer(string: "\($0)"))) }
    }

    private func payloads(_ batch: SubscriberQueue<Waker>.Batch) -> [String] {
        batch.messages.map { String(buffer: $0.payload) }
    }

    @Test func blockAcceptsOnlyWhatFitsAndRemembersTheTopic() {
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 3, bytes: 1 << 20))
        let result = queue.offer(messages(1...5), policy: .block, from: topic, at: .now())
        #expect(result.accepted == 3)
        #expect(result.dropped == 0)
        #expect(result.needsDrain)
        // Read first: #expect cannot look into a queue, which cannot be copied.
        let isFull = queue.isFull
        #expect(isFull)
        let batch = queue.take(maxBytes: 1 << 20, at: .now())
        #expect(payloads(batch) == ["1", "2", "3"])
        #expect(batch.waitingTopics.count == 1)
        #expect(queue.droppedCount == 0)
    }

    @Test func dropOldestKeepsTheNewestAndCountsTheRest() {
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 3, bytes: 1 << 20))
        let result = queue.offer(messages(1...5), policy: .dropOldest, from: topic, at: .now())
        #expect(result.accepted == 5)
        #expect(result.dropped == 2)
        let batch = queue.take(maxBytes: 1 << 20, at: .now())
        #expect(payloads(batch) == ["3", "4", "5"])
        #expect(batch.droppedOldest == 2)
        #expect(batch.droppedNewest == 0)
        #expect(queue.droppedCount == 2)
    }

    @Test func dropNewestKeepsTheOldestAndCountsTheRest() {
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 3, bytes: 1 << 20))
        let result = queue.offer(messages(1...5), policy: .dropNewest, from: topic, at: .now())
        #expect(result.accepted == 5)
        #expect(result.dropped == 2)
        let batch = queue.take(maxBytes: 1 << 20, at: .now())
        #expect(payloads(batch) == ["1", "2", "3"])
        #expect(batch.droppedNewest == 2)
    }

    @Test func theByteCapacityCountsToo() {
        // Each message is its 10-byte topic plus a 1-byte payload.
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 100, bytes: 22))
        #expect(queue.offer(messages(1...5), policy: .block, from: topic, at: .now()).accepted == 2)
    }

    @Test func aMessageLargerThanTheCapacityStillPassesAnEmptyQueue() {
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 100, bytes: 4))
        #expect(queue.offer(messages(1...2), policy: .block, from: topic, at: .now()).accepted == 1)
    }

    @Test func takeRespectsItsByteBudgetButAlwaysTakesOne() {
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 100, bytes: 1 << 20))
        _ = queue.offer(messages(1...5), policy: .block, from: topic, at: .now())
        #expect(payloads(queue.take(maxBytes: 1, at: .now())) == ["1"])
        #expect(payloads(queue.take(maxBytes: 22, at: .now())) == ["2", "3"])
        #expect(payloads(queue.take(maxBytes: 1 << 20, at: .now())) == ["4", "5"])
    }

    @Test func aTakeSaysWhetherItLeftTheQueueEmpty() {
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 100, bytes: 1 << 20))
        _ = queue.offer(messages(1...3), policy: .block, from: topic, at: .now())
        #expect(!queue.take(maxBytes: 1, at: .now()).emptiedQueue, "two more wait")
        #expect(queue.take(maxBytes: 1 << 20, at: .now()).emptiedQueue)
        // Emptied, the queue asks for a drain again with the next offer.
        #expect(queue.offer(messages(4...4), policy: .block, from: topic, at: .now()).needsDrain)
    }

    @Test func aDrainIsRequestedOnceUntilTheQueueIsEmptied() {
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 100, bytes: 1 << 20))
        #expect(queue.offer(messages(1...2), policy: .block, from: topic, at: .now()).needsDrain)
        #expect(!queue.offer(messages(3...4), policy: .block, from: topic, at: .now()).needsDrain)
        _ = queue.take(maxBytes: 1 << 20, at: .now())
        #expect(queue.offer(messages(5...5), policy: .block, from: topic, at: .now()).needsDrain)
    }

    @Test func aClosedQueueDiscardsWhatItIsOffered() {
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 2, bytes: 1 << 20))
        _ = queue.offer(messages(1...4), policy: .block, from: topic, at: .now())
        #expect(queue.close().waitingTopics.count == 1)
        let result = queue.offer(messages(5...6), policy: .block, from: topic, at: .now())
        #expect(result.accepted == 2)
        #expect(!result.needsDrain)
        #expect(queue.take(maxBytes: 1 << 20, at: .now()).messages.isEmpty)
    }

    @Test func whileItsConnectionCannotWriteAQueueKeepsPayloadsOfTheirOwnUntilItIsEmptyAgain() {
        let queue = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 100, bytes: 1 << 20))
        let read = ByteBuffer(repeating: 0x61, count: 65_536)
        let slices = { (range: ClosedRange<Int>) in
            range.map { PublishedMessage(Frame.Publish(topic: "queue.test", payload: read.getSlice(at: $0 * 100, length: 1) ?? ByteBuffer())) }
        }
        _ = queue.offer(slices(1...2), policy: .block, from: topic, at: .now())
        queue.compactWhileWaiting()
        _ = queue.offer(slices(3...4), policy: .block, from: topic, at: .now())
        let waited = queue.take(maxBytes: 1 << 20, at: .now()).messages
        #expect(waited.count == 4 && waited.allSatisfy { $0.payload.storageCapacity < 1024 }, "no waiting message keeps the read alive")
        _ = queue.offer(slices(5...5), policy: .block, from: topic, at: .now())
        #expect(queue.take(maxBytes: 1 << 20, at: .now()).messages.first?.payload.storageCapacity == 65_536, "emptied, the queue copies nothing again")

        let small = SubscriberQueue<Waker>(capacity: QueueCapacity(messages: 3, bytes: 1 << 20))
        _ = small.offer(slices(1...1), policy: .dropOldest, from: topic, at: .now())
        small.compactWhileWaiting()
        let result = small.offer(slices(2...9), policy: .dropOldest, from: topic, at: .now())
        #expect(result.accepted == 8 && result.dropped == 6, "more than it holds: the oldest go, some of them offered with the newest")
        let kept = small.take(maxBytes: 1 << 20, at: .now()).messages
        #expect(kept.count == 3 && kept.allSatisfy { $0.payload.storageCapacity < 1024 })
    }
}

