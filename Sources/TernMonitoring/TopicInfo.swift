/// One topic, as `/topics` lists it.
public struct TopicInfo: Codable, Sendable, Hashable {
    public var name: String
    /// Subscriptions that receive the topic's messages, each queue group's members counted.
    public var subscribers: Int
    /// The queue groups among them, by name.
    public var queueGroups: [String]
    /// Messages in the mailbox: accepted, not yet handed to every subscriber's queue.
    public var mailboxMessages: Int
    /// Bytes of those messages (payloads, topics and headers).
    public var mailboxBytes: Int
    /// `block`, `drop-oldest`, `drop-newest` or `reject`.
    public var overflowPolicy: String
    /// Messages the topic accepted.
    public var messagesIn: UInt64
    /// Payload bytes of those messages.
    public var bytesIn: UInt64
    /// Messages handed to subscribers' queues, once per subscriber.
    public var messagesOut: UInt64
    /// Messages the overflow policy dropped, once per subscriber.
    public var drops: UInt64
    /// Publishes the topic refused (a full mailbox under `reject`, or their schema).
    public var refused: UInt64
    /// Subscribers disconnected for holding the topic back.
    public var slowConsumers: UInt64
    /// The schema subject the topic is bound to, if any.
    public var schemaSubject: String?
    /// Messages in and out per second, over the last second or more the listener measured it
    /// (0 the first time it sees the topic).
    public var messagesPerSecond: Double

    public init(
        name: String, subscribers: Int, queueGroups: [String], mailboxMessages: Int, mailboxBytes: Int, overflowPolicy: String,
        messagesIn: UInt64, bytesIn: UInt64, messagesOut: UInt64, drops: UInt64, refused: UInt64, slowConsumers: UInt64,
        schemaSubject: String?, messagesPerSecond: Double
    ) {
        self.name = name
        self.subscribers = subscribers
        self.queueGroups = queueGroups
        self.mailboxMessages = mailboxMessages
        self.mailboxBytes = mailboxBytes
        self.overflowPolicy = overflowPolicy
        self.messagesIn = messagesIn
        self.bytesIn = bytesIn
        self.messagesOut = messagesOut
        self.drops = drops
        self.refused = refused
        self.slowConsumers = slowConsumers
        self.schemaSubject = schemaSubject
        self.messagesPerSecond = messagesPerSecond
    }
}
