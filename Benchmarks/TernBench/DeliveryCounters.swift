import Atomics

/// How many messages each subscriber has received so far: each written by one subscriber's
/// task (a relaxed store, no lock), read by the coordinator and the progress bar.
final class DeliveryCounters: Sendable {
    let counters: [ManagedAtomic<UInt64>]

    init(subscribers: Int) {
        counters = (0..<subscribers).map { _ in ManagedAtomic(0) }
    }

    var total: UInt64 {
        counters.reduce(0) { $0 + $1.load(ordering: .relaxed) }
    }

    /// Waits until every subscriber has received `expected` messages in all; returns `false`
    /// as soon as no subscriber received anything for `stallTimeout`.
    func wait(untilEachReaches expected: UInt64, stallTimeout: Duration) async throws -> Bool {
        var lastTotal = total
        var lastProgress = ContinuousClock.now
        while !counters.allSatisfy({ $0.load(ordering: .relaxed) >= expected }) {
            let now = ContinuousClock.now
            let current = total
            if current != lastTotal {
                (lastTotal, lastProgress) = (current, now)
            } else if now - lastProgress > stallTimeout {
                return false
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        return true
    }
}
