import TernProtocol

/// What one topic has counted since it was created.
public struct TopicCounters: Sendable, Hashable {
    /// Messages accepted into the mailbox.
    public var published: UInt64 = 0
    /// Payload bytes of those messages.
    public var publishedBytes: UInt64 = 0
    /// Messages handed to subscriber queues (once per subscriber).
    public var queued: UInt64 = 0
    /// Messages the drop policies discarded for some subscriber (once per subscriber).
    public var dropped: UInt64 = 0
    /// Publishes the `reject` policy refused.
    public var rejected: UInt64 = 0
    /// Times a publisher was slowed down by a full mailbox under `block`.
    public var publisherPauses: UInt64 = 0
    /// Subscribers disconnected for taking nothing within the slow-consumer timeout.
    public var slowConsumers: UInt64 = 0
}

/// A snapshot of one topic.
public struct TopicStatistics: Sendable, Hashable {
    public var name: String
    public var policy: OverflowPolicy
    public var counters: TopicCounters
    public var mailboxMessages: Int
    public var mailboxBytes: Int
    public var subscribers: Int
    /// The names of the queue groups among the subscribers.
    public var queueGroups: [String]
}

/// Publishes a topic refused, to report to their publisher.
struct Rejection: Sendable {
    /// Refused publishes that asked for an acknowledgement, each with its reason.
    var acknowledged: [(ackID: UInt64, code: ErrorCode, reason: String)] = []
    /// Refused publishes that asked for none, counted by reason.
    var unacknowledged: [Refusal: Int] = [:]

    struct Refusal: Hashable, Sendable {
        var code: ErrorCode
        var reason: String
    }

    var count: Int { acknowledged.count + unacknowledged.values.reduce(0, +) }

    mutating func add(_ message: PublishedMessage, code: ErrorCode, reason: String) {
        if let ackID = message.ackID {
            acknowledged.append((ackID, code, reason))
        } else {
            unacknowledged[Refusal(code: code, reason: reason), default: 0] += 1
        }
    }
}
