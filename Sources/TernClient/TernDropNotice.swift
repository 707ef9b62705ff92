import TernProtocol

/// The broker's notice that a subscription missed messages.
public struct TernDropNotice: Sendable, Hashable, CustomStringConvertible {
    /// Why messages were dropped.
    public enum Reason: Sendable, Hashable {
        /// The topic's overflow policy `drop-oldest` discarded the oldest queued messages.
        case droppedOldest
        /// The topic's overflow policy `drop-newest` (or a shutdown's deadline) discarded new
        /// messages.
        case droppedNewest
        /// The subscription's schema could not resolve the messages to the version it reads.
        case unreadable
    }

    /// The pattern of the subscription that missed them.
    public var pattern: String
    public var reason: Reason
    /// How many messages were dropped since the previous notice.
    public var count: UInt64

    public init(pattern: String, reason: Reason, count: UInt64) {
        self.pattern = pattern
        self.reason = reason
        self.count = count
    }

    /// For example "subscription 'orders.>' missed 12 messages (the broker dropped the oldest)".
    public var description: String {
        let why = switch reason {
        case .droppedOldest: "the broker dropped the oldest"
        case .droppedNewest: "the broker dropped the newest"
        case .unreadable: "unreadable with the subscription's schema"
        }
        return "subscription '\(pattern)' missed \(count) message\(count == 1 ? "" : "s") (\(why))"
    }
}

extension TernDropNotice.Reason {
    /// The reason a DROP_NOTICE gives.
    init(_ reason: Frame.DropNotice.Reason) {
        switch reason {
        case .droppedOldest: self = .droppedOldest
        case .droppedNewest: self = .droppedNewest
        case .unreadable: self = .unreadable
        }
    }
}
