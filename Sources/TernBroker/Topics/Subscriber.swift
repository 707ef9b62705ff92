import Synchronization
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
    /// Set, on its connection's event loop, once the connection has closed the subscription.
    private let closed = Atomic<Bool>(false)

    /// Whether the subscription is still open on its connection: it closes when the connection
    /// takes it from its table (an UNSUBSCRIBE, a permission lost, the connection's end), before
    /// topics, which may take several turns of the event loop to let it go, stop offering to it.
    /// Read and written on the connection's event loop only, where it is what keeps a closed
    /// subscription's id from reaching the client again.
    var isOpen: Bool { !closed.load(ordering: .relaxed) }

    /// Marks the subscription closed; on its connection's event loop.
    func markClosed() {
        closed.store(true, ordering: .relaxed)
    }

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
