/// What a topic does when a message cannot be queued for a subscriber because its queue is full.
public enum OverflowPolicy: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Hold the message in the topic's mailbox and slow publishers down once it is full; a
    /// subscriber that takes nothing for the slow-consumer timeout is disconnected. Nothing is lost
    /// while every subscriber keeps reading.
    case block
    /// Discard the subscriber's oldest queued messages to make room, and tell it.
    case dropOldest = "drop-oldest"
    /// Discard the new message for that subscriber, and tell it.
    case dropNewest = "drop-newest"
    /// Hold the message like `block`, but refuse new publishes with `mailboxFull` once the
    /// mailbox is full instead of slowing publishers down.
    case reject

    public var description: String { rawValue }
}

/// How much a bounded queue holds: a message count and a byte count, whichever is reached first.
public struct QueueCapacity: Sendable, Hashable {
    public var messages: Int
    public var bytes: Int

    public init(messages: Int, bytes: Int) {
        self.messages = messages
        self.bytes = bytes
    }

    /// Whether a queue with this many messages and bytes is at or over capacity.
    func isFull(messages count: Int, bytes size: Int) -> Bool {
        count >= messages || size >= bytes
    }
}

/// A topic's mailbox: its capacity and its overflow policy.
public struct MailboxSettings: Sendable, Hashable {
    public var capacity: QueueCapacity
    public var policy: OverflowPolicy

    public init(capacity: QueueCapacity, policy: OverflowPolicy) {
        self.capacity = capacity
        self.policy = policy
    }
}

/// Mailbox settings for the topics that match a pattern, overriding the broker's default.
public struct TopicOverride: Sendable, Hashable {
    public var pattern: String
    public var settings: MailboxSettings

    public init(pattern: String, settings: MailboxSettings) {
        self.pattern = pattern
        self.settings = settings
    }
}
