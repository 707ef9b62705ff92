import TernProtocol

/// What a ``TopicCore`` asks its topic to do after an event: tell publishers and subscribers'
/// connections, and arm its timer.
struct TopicEffects<Subscriber: AnyObject, Publisher: Hashable> {
    /// Acknowledge these publishes to the publisher of the batch.
    var acknowledged: [UInt64] = []
    /// Refuse these publishes to the publisher of the batch.
    var rejection = Rejection()
    /// Stop reading from the publisher of the batch: the mailbox is full.
    var pausePublisher = false
    /// Read from these publishers again: the mailbox has room.
    var resumedPublishers: [Publisher] = []
    /// Tell these subscribers' connections that their queues have messages to write.
    var drains = InlineFirstList<Subscriber>()
    /// Check after the slow-consumer timeout whether the mailbox moved.
    var armStallCheck = false
    /// Disconnect these subscribers, which held the mailbox back for the slow-consumer timeout,
    /// each with the number of messages the mailbox held for it.
    var slowConsumers: [(subscriber: Subscriber, undelivered: UInt64)] = []
}
