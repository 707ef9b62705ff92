import NIOCore

/// The messages of one subscription, in the order the broker delivered them.
///
/// Iterate it once (`for try await message in subscription`). Leaving the loop, cancelling the
/// iterating task or dropping an un-iterated subscription unsubscribes. The sequence ends
/// normally when the client is closed, and throws a ``TernClientError`` when the broker ends
/// the subscription or the connection.
///
/// While the consumer lags, up to the configuration's `subscriptionBufferSize` messages are
/// buffered; beyond that the client stops reading from the socket, which slows the broker
/// down for this connection until the consumer catches up.
public struct TernSubscription: AsyncSequence, Sendable {
    public typealias Element = TernMessage
    typealias Producer = Deliveries<TernMessage>
    typealias Queue = DeliveryQueue<TernMessage>

    /// The pattern subscribed to.
    public let pattern: String
    /// The queue group this subscription belongs to, if any.
    public let queueGroup: String?
    private let producer: Producer
    private let monitor: SubscriptionMonitor
    /// Keeps the connection open while the subscription is in use, even if nothing else
    /// holds the client.
    private let client: TernClient

    init(pattern: String, queueGroup: String?, producer: Producer, monitor: SubscriptionMonitor, client: TernClient) {
        self.pattern = pattern
        self.queueGroup = queueGroup
        self.producer = producer
        self.monitor = monitor
        self.client = client
    }

    /// How many messages the broker reported as dropped for this subscription so far.
    public var droppedCount: UInt64 {
        monitor.droppedCount
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator(), tracing: client.tracing)
    }

    /// Iterates a ``TernSubscription``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var base: Producer.AsyncIterator
        private let tracing: MessageTracing?

        fileprivate init(base: Producer.AsyncIterator, tracing: MessageTracing?) {
            self.base = base
            self.tracing = tracing
        }

        public mutating func next() async throws -> TernMessage? {
            try await next(isolation: nil)
        }

        /// The next message, on the caller's executor: without a hop when one is buffered.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> TernMessage? {
            let delivered = try await base.next(isolation: actor)
            guard let tracing, var message = delivered else { return delivered }
            message.serviceContext = tracing.received(on: message.topic, headers: message.headers)
            return message
        }
    }
}

/// Connects a subscription's sequence to the client's session: asks it to read again when
/// the consumer caught up, and to unsubscribe when the consumer is gone.
struct SubscriptionDelegate: DeliveryQueueDelegate {
    let subscriptionID: UInt32
    let eventLoop: any EventLoop
    let session: NIOLoopBoundBox<ClientSession?>

    func produceMore() {
        let (id, session) = (subscriptionID, self.session)
        eventLoop.execute { session.value?.subscriptionWantsMore(id) }
    }

    func didTerminate() {
        let (id, session) = (subscriptionID, self.session)
        eventLoop.execute { session.value?.subscriptionEnded(id) }
    }
}
