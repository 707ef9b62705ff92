import NIOCore

/// Rates per second of things the monitoring listener lists (topics by name, connections by
/// id), from the counts it saw in earlier surveys: each key keeps a baseline, replaced once it
/// is a second old, so that a view refreshed every second measures the second before it.
struct RateTracker<Key: Hashable & Sendable>: Sendable {
    private struct Baseline: Sendable {
        var at: NIODeadline
        var messages: UInt64
        var bytes: UInt64
    }

    private var baselines: [Key: Baseline] = [:]

    /// How old a baseline gets before the next survey replaces it.
    static var period: TimeAmount { .milliseconds(900) }
    /// How long a key nobody surveys keeps its baseline.
    static var forgetAfter: TimeAmount { .seconds(60) }

    /// Messages and bytes per second of `key` since its baseline (0 the first time), given its
    /// counts `now`.
    mutating func rates(of key: Key, messages: UInt64, bytes: UInt64, at now: NIODeadline) -> (messages: Double, bytes: Double) {
        guard let baseline = baselines[key] else {
            baselines[key] = Baseline(at: now, messages: messages, bytes: bytes)
            return (0, 0)
        }
        let seconds = Double((now - baseline.at).nanoseconds) / 1e9
        if now - baseline.at >= Self.period {
            baselines[key] = Baseline(at: now, messages: messages, bytes: bytes)
        }
        guard seconds > 0 else { return (0, 0) }
        // A counter that went down belongs to a new topic of the same name.
        return (Double(messages &- min(messages, baseline.messages)) / seconds, Double(bytes &- min(bytes, baseline.bytes)) / seconds)
    }

    /// Forgets the baselines nobody looked at for ``forgetAfter``.
    mutating func forgetStale(at now: NIODeadline) {
        baselines = baselines.filter { now - $0.value.at < Self.forgetAfter }
    }
}
