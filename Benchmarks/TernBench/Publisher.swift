import NIOCore
import TernClient

/// One publishing connection of the pubsub scenario and its hot loop.
struct Publisher: Sendable {
    /// When a publishing phase ends.
    enum Limit: Sendable {
        case count(UInt64)
        /// A ``MonotonicClock`` time.
        case deadline(UInt64)
    }

    let client: TernClient
    let index: Int
    let topic: String
    let size: Int
    /// Nanoseconds between two messages when the rate is limited.
    let interval: UInt64?
    /// Every how many messages one carries its send time (sequence numbers 0, n, 2n, …).
    let latencyEvery: UInt64

    /// Publishes stamped messages until `limit`, then waits until the broker has them all;
    /// returns how many it sent.
    ///
    /// Every message carries its publisher and sequence number; every `latencyEvery`th, and the
    /// last, also its send time, so that the clock is read once per sample and not once per
    /// message. The last message is timed so that subscribers know when the last one arrived.
    /// One payload buffer is patched in place for every message; `publish` copies it into
    /// the connection's outgoing batch and suspends only while that batch is full.
    func run(warmup: Bool, until limit: Limit) async throws -> UInt64 {
        var payload = ByteBuffer(repeating: 0, count: size)
        var stamp = PayloadStamp(publisher: index, sequence: 0, isWarmup: warmup, sentAt: 0)
        let start = MonotonicClock.nanoseconds()
        var isLast = false
        while !isLast {
            if case .count(let count) = limit {
                guard stamp.sequence < count else { break }
                isLast = stamp.sequence == count - 1
            }
            let isTimed = isLast || stamp.sequence % latencyEvery == 0
            var sentAt: UInt64 = 0
            if let interval {
                sentAt = MonotonicClock.nanoseconds()
                let due = start + stamp.sequence * interval
                if due > sentAt + 1_000_000 {
                    try await client.eventLoop.sleep(until: .now() + .nanoseconds(Int64(due - sentAt)))
                    sentAt = MonotonicClock.nanoseconds()
                }
            } else if isTimed {
                sentAt = MonotonicClock.nanoseconds()
            }
            // The deadline is looked at whenever the clock was read; the message that finds it
            // passed is the last, and timed.
            if case .deadline(let deadline) = limit, sentAt >= deadline { isLast = true }
            stamp.sentAt = isTimed || isLast ? sentAt : 0
            stamp.write(into: &payload)
            try await client.publish(payload, to: topic)
            stamp.sequence += 1
        }
        try await client.flush()
        return stamp.sequence
    }
}
