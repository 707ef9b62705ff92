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

    /// Publishes stamped messages until `limit`, then waits until the broker has them all;
    /// returns how many it sent.
    ///
    /// One payload buffer is patched in place for every message; `publish` copies it into
    /// the connection's outgoing batch and suspends only while that batch is full.
    func run(warmup: Bool, until limit: Limit) async throws -> UInt64 {
        var payload = ByteBuffer(repeating: 0, count: size)
        var stamp = PayloadStamp(publisher: index, sequence: 0, isWarmup: warmup, sentAt: 0)
        let start = MonotonicClock.nanoseconds()
        publishing: while true {
            var now = MonotonicClock.nanoseconds()
            switch limit {
            case .count(let count): if stamp.sequence >= count { break publishing }
            case .deadline(let deadline): if now >= deadline { break publishing }
            }
            if let interval {
                let due = start + stamp.sequence * interval
                if due > now + 1_000_000 {
                    try await Task.sleep(nanoseconds: due - now)
                    now = MonotonicClock.nanoseconds()
                }
            }
            stamp.sentAt = now
            stamp.write(into: &payload)
            try await client.publish(payload, to: topic)
            stamp.sequence += 1
        }
        try await client.flush()
        return stamp.sequence
    }
}
