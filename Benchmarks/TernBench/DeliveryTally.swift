import Atomics
import TernClient

/// What one subscriber received, kept by its own task without locks and read once it ends.
struct DeliveryTally: Sendable {
    /// Publish-to-delivery latencies of the timed measured messages.
    var latency = LatencyHistogram()
    /// Measured messages received, per publisher.
    var received: [UInt64]
    /// Messages that arrived after one with a higher sequence number from the same
    /// publisher, or twice, per publisher.
    var outOfOrder: [UInt64]
    /// Warm-up messages received.
    var warmupReceived: UInt64 = 0
    /// Payloads without a valid stamp.
    var unrecognized: UInt64 = 0
    /// When the last timed measured message arrived (``MonotonicClock``); 0 before the first.
    /// Each publisher times its last message, so at the end this is when the last one arrived.
    var lastArrival: UInt64 = 0
    /// Messages the broker reported as dropped for this subscription.
    var droppedByBroker: UInt64 = 0
    /// Why the subscription ended before the benchmark stopped it, if it did.
    var failure: String?

    private var nextSequence: [UInt64]

    init(publishers: Int) {
        received = Array(repeating: 0, count: publishers)
        outOfOrder = Array(repeating: 0, count: publishers)
        nextSequence = Array(repeating: 0, count: publishers)
    }

    /// Counts one message; a timed one reads the clock for its latency and arrival time.
    @inline(__always)
    mutating func record(_ message: TernMessage) {
        guard let stamp = PayloadStamp(reading: message.payload), stamp.publisher < received.count else {
            unrecognized += 1
            return
        }
        if stamp.isWarmup {
            warmupReceived += 1
            return
        }
        let publisher = stamp.publisher
        if stamp.sentAt != 0 {
            let now = MonotonicClock.nanoseconds()
            latency.record(nanoseconds: now >= stamp.sentAt ? now - stamp.sentAt : 0)
            lastArrival = now
        }
        received[publisher] += 1
        if stamp.sequence >= nextSequence[publisher] {
            nextSequence[publisher] = stamp.sequence + 1
        } else {
            outOfOrder[publisher] += 1
        }
    }

    /// Iterates `subscription` until the task is cancelled or the subscription ends, storing
    /// the number of messages received so far in `progress` after each one.
    static func consume(_ subscription: TernSubscription, publishers: Int, progress: ManagedAtomic<UInt64>) async -> DeliveryTally {
        var tally = DeliveryTally(publishers: publishers)
        var count: UInt64 = 0
        do {
            for try await message in subscription {
                tally.record(message)
                count += 1
                progress.store(count, ordering: .relaxed)
            }
        } catch is CancellationError {
        } catch {
            tally.failure = "\(error)"
        }
        tally.droppedByBroker = subscription.droppedCount
        return tally
    }
}
