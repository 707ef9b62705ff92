import TernProtocol

/// One entry of a node's interest (CLUSTER.md, "Interest"): a pattern, its kind (messages or
/// requests) and its queue group.
struct InterestKey: Hashable, Sendable {
    var pattern: String
    var queueGroup: String?
    var isResponder: Bool

    init(pattern: String, queueGroup: String?, isResponder: Bool) {
        self.pattern = pattern
        self.queueGroup = queueGroup
        self.isResponder = isResponder
    }

    init(_ interest: RouteFrame.Interest) {
        self.init(pattern: interest.pattern, queueGroup: interest.queueGroup, isResponder: interest.isResponder)
    }

    /// The INTEREST frame that says this entry's count is `count`.
    func frame(count: UInt32) -> RouteFrame {
        .interest(RouteFrame.Interest(pattern: pattern, queueGroup: queueGroup, isResponder: isResponder, count: count))
    }
}

/// This node's interest: for each entry, the number of local subscriptions.
struct LocalInterest {
    private(set) var counts: [InterestKey: UInt32] = [:]

    /// Adds `delta` (1 or -1) to the count of `key`; returns the new count.
    mutating func change(_ key: InterestKey, by delta: Int) -> UInt32 {
        let count = UInt32(clamping: Int(counts[key, default: 0]) + delta)
        counts[key] = count == 0 ? nil : count
        return count
    }

    /// The whole interest as INTEREST frames, for a new route.
    var frames: [RouteFrame] {
        counts.map { key, count in key.frame(count: count) }
    }
}
