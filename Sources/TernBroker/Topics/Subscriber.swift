import TernProtocol

/// One subscription of one connection, as topics see it.
final class Subscriber: Sendable {
    let connection: ConnectionHandle
    let subscriptionID: UInt32
    let pattern: String
    let queueGroup: String?
    /// Receives requests rather than messages.
    let isResponder: Bool
    /// Messages of this subject are resolved to this version before delivery.
    let readAs: SchemaReference?
    let queue: SubscriberQueue<Topic>

    /// - Parameter queueDepth: Where the subscription's queue adds how much it grew or shrank.
    init(connection: ConnectionHandle, subscribe: Frame.Subscribe, queueCapacity: QueueCapacity, queueDepth: QueueDepth? = nil) {
        self.connection = connection
        self.subscriptionID = subscribe.subscriptionID
        self.pattern = subscribe.pattern
        self.queueGroup = subscribe.queueGroup
        self.isResponder = subscribe.isResponder
        self.readAs = subscribe.readAs
        self.queue = SubscriberQueue(capacity: queueCapacity, depth: queueDepth)
    }
}
