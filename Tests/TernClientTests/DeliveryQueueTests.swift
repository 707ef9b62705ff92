import NIOConcurrencyHelpers
import Testing
@testable import TernClient

@Suite("DeliveryQueue")
struct DeliveryQueueTests {
    /// Counts what the queue tells its producer.
    final class Recorder: DeliveryQueueDelegate {
        private let counts = NIOLockedValueBox((produceMore: 0, terminated: 0))
        var produceMoreCount: Int { counts.withLockedValue { $0.produceMore } }
        var terminatedCount: Int { counts.withLockedValue { $0.terminated } }
        func produceMore() { counts.withLockedValue { $0.produceMore += 1 } }
        func didTerminate() { counts.withLockedValue { $0.terminated += 1 } }
    }

    @Test("elements come out in order, then the end; the producer's error is thrown once")
    func orderAndEnd() async throws {
        let recorder = Recorder()
        let (queue, sequence) = DeliveryQueue<Int>.makeSequence(highWatermark: 100, delegate: recorder)
        queue.yield(contentsOf: [1, 2])
        queue.yield(3)
        queue.finish(CancellationError())
        var iterator = sequence.makeAsyncIterator()
        #expect(try await iterator.next() == 1)
        #expect(try await iterator.next() == 2)
        #expect(try await iterator.next() == 3)
        await #expect(throws: CancellationError.self) { try await iterator.next() }
        #expect(try await iterator.next() == nil)
        #expect(recorder.terminatedCount == 1)
    }

    @Test("a waiting consumer wakes for a later yield")
    func waitingConsumer() async throws {
        let (queue, sequence) = DeliveryQueue<Int>.makeSequence(highWatermark: 100, delegate: Recorder())
        let consumer = Task {
            var received: [Int] = []
            for try await element in sequence { received.append(element) }
            return received
        }
        try await Task.sleep(for: .milliseconds(20))
        queue.yield(contentsOf: [1, 2, 3])
        try await Task.sleep(for: .milliseconds(20))
        queue.yield(4)
        queue.finish()
        #expect(try await consumer.value == [1, 2, 3, 4])
    }

    @Test("cancelling a waiting consumer throws CancellationError and terminates the queue")
    func cancellation() async throws {
        let recorder = Recorder()
        let (queue, sequence) = DeliveryQueue<Int>.makeSequence(highWatermark: 100, delegate: recorder)
        let consumer = Task {
            for try await _ in sequence {}
        }
        try await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        await #expect(throws: CancellationError.self) { try await consumer.value }
        #expect(recorder.terminatedCount == 1)
        #expect(queue.yield(1), "deliveries after the end are discarded")
    }

    @Test("the producer pauses at the high watermark and resumes when the consumer takes")
    func backPressure() async throws {
        let recorder = Recorder()
        let (queue, sequence) = DeliveryQueue<Int>.makeSequence(highWatermark: 3, delegate: recorder)
        #expect(queue.yield(contentsOf: [1, 2]))
        #expect(!queue.yield(3))
        var iterator = sequence.makeAsyncIterator()
        #expect(try await iterator.next() == 1)
        #expect(recorder.produceMoreCount == 1)
    }

    @Test("dropping the iterator, or the sequence unused, terminates once")
    func dropping() async throws {
        let afterIterating = Recorder()
        do {
            let (queue, sequence) = DeliveryQueue<Int>.makeSequence(highWatermark: 10, delegate: afterIterating)
            queue.yield(1)
            var iterator = sequence.makeAsyncIterator()
            #expect(try await iterator.next() == 1)
        }
        #expect(afterIterating.terminatedCount == 1)
        let unused = Recorder()
        do {
            let (queue, _) = DeliveryQueue<Int>.makeSequence(highWatermark: 10, delegate: unused)
            queue.yield(1)
        }
        #expect(unused.terminatedCount == 1)
    }
}
