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
        /// Messages taken from the subscription's queue and not returned yet.
        @usableFromInline var buffered = DeliveryBatches<TernMessage>()
        @usableFromInline let tracing: MessageTracing?

        fileprivate init(base: Producer.AsyncIterator, tracing: MessageTracing?) {
            self.base = base
            self.tracing = tracing
        }

        public mutating func next() async throws -> TernMessage? {
            try await next(isolation: nil)
        }

        /// The next message, on the caller's executor. Inlined into the consumer's loop, a
        /// buffered message is returned without a call, a suspension or a switch of executors.
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> TernMessage? {
            if tracing == nil, let message = buffered.popFirst() { return message }
            return try await nextTaking(isolation: actor)
        }

        /// The next message when none is buffered, or when messages are traced.
        @usableFromInline
        mutating func nextTaking(isolation actor: isolated (any Actor)?) async throws -> TernMessage? {
            if buffered.isEmpty {
                guard let batch = try await base.nextBatch() else { return nil }
                buffered = batch
            }
            let next = buffered.popFirst()
            guard let tracing, var message = next else { return next }
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
