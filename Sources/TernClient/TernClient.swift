import Atomics
import NIOConcurrencyHelpers
import NIOCore
import TernProtocol

/// A connection to a Tern broker: publish, subscribe, request, respond, flush, close.
///
/// ```swift
/// let client = try await TernClient.connect()
/// let orders = try await client.subscribe(to: "orders.>")
/// try await client.publish("hello", to: "orders.new")
/// for try await message in orders { print(message.topic, message.string) }
/// ```
///
/// A client is safe to use from many tasks at once. Publishes are queued and written in
/// batches; ``flush()`` waits until the broker has processed everything sent before it.
/// Errors are ``TernClientError``s (and `CancellationError` for a cancelled publish or request).
///
/// When the connection is lost, the client reconnects (to the next of its servers, with backoff
/// and jitter), opens its subscriptions and responders again and carries on; ``events`` tells
/// what happens. See ``Configuration/Reconnect`` and ``Configuration/reconnect``.
public final class TernClient: Sendable {
    /// The configuration the client connected with.
    public let configuration: Configuration

    /// The event loop that does this connection's I/O, the one behind ``taskExecutor``.
    ///
    /// A task that prefers ``taskExecutor`` can wait on this loop's timers
    /// (`eventLoop.scheduleTask(deadline:_:)`) and resume there without another thread.
    public let eventLoop: any EventLoop
    private let eventLoopExecutor: EventLoopTaskExecutor
    let session: NIOLoopBoundBox<ClientSession?>
    private let clientEvents: ClientEvents
    private let announced: NIOLockedValueBox<TernServerInfo?>
    private let firstServerInfo: TernServerInfo
    private let closed: EventLoopFuture<Void>
    private let outbound: OutboundBuffer
    let encoding: PublishEncoding
    private let nextSubscriptionID = ManagedAtomic<UInt32>(0)
    private let nextAckID = ManagedAtomic<UInt64>(0)
    let nextRequestID = ManagedAtomic<UInt64>(0)
    let nextOperationID = ManagedAtomic<UInt64>(0)
    /// The registered versions of the schemas typed messages were sent or read with.
    let schemaReferences = SchemaReferenceCache()
    /// How the client traces its messages, when a tracer is set up.
    let tracing: MessageTracing?

    /// A client of `session`, whose first connection the broker welcomed with `serverInfo`, tracing
    /// its messages with `tracing` when set.
    init(
        configuration: Configuration, serverInfo: TernServerInfo, session: ClientSession, box: NIOLoopBoundBox<ClientSession?>,
        tracing: MessageTracing?
    ) {
        self.tracing = tracing
        self.configuration = configuration
        self.eventLoop = session.eventLoop
        self.eventLoopExecutor = EventLoopTaskExecutor(eventLoop: session.eventLoop)
        self.session = box
        self.clientEvents = session.events
        self.announced = session.serverInfo
        self.firstServerInfo = serverInfo
        self.closed = session.closed.futureResult
        self.outbound = session.outbound
        // Frames are checked against the first broker's limits: brokers that serve the same
        // clients are expected to share them (one with smaller limits refuses what exceeds them).
        self.encoding = PublishEncoding(limits: serverInfo.limits)
    }

    /// A client nothing refers to any more (no subscription either) says goodbye and closes.
    deinit {
        let session = self.session
        eventLoop.execute { session.value?.close() }
    }

    /// What the broker of the connection announced when it opened (the last broker's, while
    /// reconnecting): version, limits, features.
    public var serverInfo: TernServerInfo {
        announced.withLockedValue { $0 } ?? firstServerInfo
    }

    /// The address of the broker the client is connected to; `nil` while it reconnects and
    /// once it is closed.
    public var connectedServer: ServerAddress? {
        clientEvents.connectedServer
    }

    /// What happens to the connection from now on: ``TernClientEvent/disconnected(_:reason:)``,
    /// ``TernClientEvent/reconnected(_:after:)``, lame duck, errors from the broker that belong
    /// to no call, and ``TernClientEvent/closed(reason:)``, which ends the sequence.
    ///
    /// Each access makes a new sequence that starts with the client's state
    /// (``TernClientEvent/connected(_:)`` while connected); several tasks may each follow one.
    /// A sequence nobody reads keeps the newest 256 events.
    ///
    /// ```swift
    /// for await event in client.events { logger.info("\(event)") }
    /// ```
    public var events: AsyncStream<TernClientEvent> {
        clientEvents.stream()
    }

    /// The thread that does this connection's I/O, as a task executor.
    ///
    /// A task that prefers it runs its jobs there, so the requests, replies and flushes it
    /// makes, and the answers it awaits, skip the hand-over between its thread and the
    /// connection's, which is most of a round trip's latency on a busy machine:
    ///
    /// ```swift
    /// let reply = try await withTaskExecutorPreference(client.taskExecutor) {
    ///     try await client.request("ping", to: "service.echo")
    /// }
    /// ```
    ///
    /// Keep such tasks short between suspensions: while one runs, the connection reads and
    /// writes nothing.
    public var taskExecutor: any TaskExecutor { eventLoopExecutor }

    /// Runs `body` on the connection's event loop: at once when called there (from a task that
    /// prefers ``taskExecutor``), else as soon as the loop can.
    func onEventLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop {
            body()
        } else {
            eventLoop.execute(body)
        }
    }

    // MARK: Publishing

    /// Publishes `payload` to `topic`.
    ///
    /// Without acknowledgement the message is queued and written with the messages around it;
    /// the call waits only while too many bytes are queued. Call ``flush()`` to know the broker
    /// has it. With `acknowledged`, the call returns when the broker has accepted the message
    /// into its topic and throws ``TernClientError/refused(code:message:)`` when it did not
    /// (for example ``ErrorCode/mailboxFull``).
    public nonisolated(nonsending) func publish(_ payload: ByteBuffer, to topic: String, headers: Headers = [:], acknowledged: Bool = false) async throws {
        try checkPayloadSize(payload.readableBytes)
        try await publish(.buffer(payload), to: topic, headers: headers, acknowledged: acknowledged)
    }

    /// Publishes the UTF-8 bytes of `payload` to `topic`; see ``publish(_:to:headers:acknowledged:)-(ByteBuffer,_,_,_)``.
    public nonisolated(nonsending) func publish(_ payload: String, to topic: String, headers: Headers = [:], acknowledged: Bool = false) async throws {
        try checkPayloadSize(payload.utf8.count)
        try await publish(.string(payload), to: topic, headers: headers, acknowledged: acknowledged)
    }

    /// Publishes the bytes of `payload` to `topic`; see ``publish(_:to:headers:acknowledged:)-(ByteBuffer,_,_,_)``.
    public nonisolated(nonsending) func publish(_ payload: some Sequence<UInt8>, to topic: String, headers: Headers = [:], acknowledged: Bool = false) async throws {
        let bytes = Array(payload)
        try checkPayloadSize(bytes.count)
        try await publish(.bytes(bytes), to: topic, headers: headers, acknowledged: acknowledged)
    }

    /// Publishes `payload`, encoded with the registered schema version `schema`, to `topic`; see
    /// ``publish(_:to:headers:acknowledged:)-(ByteBuffer,_,_,_)``.
    ///
    /// A topic bound to a subject refuses a message whose reference names another subject or an
    /// unknown version, or whose payload does not match that version, with
    /// ``TernClientError/refused(code:message:)`` (``ErrorCode/schemaMismatch``,
    /// ``ErrorCode/unknownVersion``, ``ErrorCode/invalidPayload`` naming the field): thrown here
    /// when `acknowledged`, else by the next ``flush()``. A refused message reaches no one.
    public nonisolated(nonsending) func publish(
        _ payload: ByteBuffer, to topic: String, schema: SchemaReference, headers: Headers = [:], acknowledged: Bool = false
    ) async throws {
        try checkPayloadSize(payload.readableBytes)
        try await publish(.buffer(payload), to: topic, headers: headers, schema: schema, acknowledged: acknowledged)
    }

    func checkPayloadSize(_ size: Int) throws {
        let limit = Int(encoding.limits.maxPayloadLength)
        if size > limit { throw TernClientError.payloadTooLarge(size: size, limit: limit) }
    }

    private nonisolated(nonsending) func publish(
        _ payload: PublishPayload, to topic: String, headers: Headers, schema: SchemaReference? = nil, acknowledged: Bool
    ) async throws {
        guard let tracing else {
            return try await send(payload, to: topic, headers: headers, schema: schema, acknowledged: acknowledged)
        }
        try await tracing.traced("publish", kind: .producer, topic: topic, headers: headers) { headers in
            try await send(payload, to: topic, headers: headers, schema: schema, acknowledged: acknowledged)
        }
    }

    private nonisolated(nonsending) func send(
        _ payload: PublishPayload, to topic: String, headers: Headers, schema: SchemaReference?, acknowledged: Bool
    ) async throws {
        try Task.checkCancellation()
        guard !acknowledged else {
            return try await publishAcknowledged(payload, to: topic, headers: headers, schema: schema)
        }
        let encoding = self.encoding
        let outcome = try outbound.append { buffer, validatedTopic in
            try encoding.append(
                to: &buffer, topic: topic, headers: headers, schema: schema, ackID: nil, validatedTopic: &validatedTopic,
                payload: payload
            )
        }
        if outcome.scheduleDrain {
            let session = self.session
            eventLoop.execute { session.value?.drainOutbound() }
        }
        if outcome.mustWait {
            try await outbound.waitForRoom()
        }
    }

    private nonisolated(nonsending) func publishAcknowledged(
        _ payload: PublishPayload, to topic: String, headers: Headers, schema: SchemaReference?
    ) async throws {
        let ackID = nextAckID.wrappingIncrementThenLoad(ordering: .relaxed)
        var frame = ByteBuffer()
        var validatedTopic: String?
        try encoding.append(
            to: &frame, topic: topic, headers: headers, schema: schema, ackID: ackID, validatedTopic: &validatedTopic,
            payload: payload
        )
        let promise = eventLoop.makePromise(of: Void.self)
        let (session, encodedFrame) = (self.session, frame)
        onEventLoop {
            guard let session = session.value else { return promise.fail(TernClientError.closed) }
            session.publishAcknowledged(encodedFrame, ackID: ackID, promise: promise)
        }
        try await promise.futureResult.get()
    }

    // MARK: Subscribing

    /// Subscribes to the topics matching `pattern` (`*` matches one token, a final `>` one or
    /// more). Members of the same `queueGroup` share the messages: each goes to one of them.
    ///
    /// Returns once the broker has registered the subscription, so messages published after
    /// that reach it. `onDropNotice` is called (on the connection's event loop: keep it short)
    /// when the broker reports messages this subscription missed.
    ///
    /// With `readAs`, messages written with another version of that subject are resolved to
    /// `readAs` by the broker before delivery (fields matched by name, missing ones take their
    /// defaults, extra ones are dropped); those it cannot resolve are reported as drops with
    /// reason ``TernDropNotice/Reason/unreadable``. Other messages arrive unchanged.
    ///
    /// - Throws: ``TernClientError/invalidTopic(reason:)`` for a malformed pattern,
    ///   ``TernClientError/refused(code:message:)`` when the broker refuses the subscription
    ///   (``ErrorCode/unknownVersion`` for a `readAs` that is not registered).
    public func subscribe(
        to pattern: String,
        queueGroup: String? = nil,
        readAs: SchemaReference? = nil,
        onDropNotice: (@Sendable (TernDropNotice) -> Void)? = nil
    ) async throws -> TernSubscription {
        let monitor = SubscriptionMonitor(pattern: pattern, onDropNotice: onDropNotice)
        let producer: TernSubscription.Producer = try await open(
            pattern: pattern, queueGroup: queueGroup, readAs: readAs, isResponder: false, monitor: monitor, sink: SubscriptionSink.messages
        )
        return TernSubscription(pattern: pattern, queueGroup: queueGroup, producer: producer, monitor: monitor, client: self)
    }

    /// Opens a subscription (a responder one with `isResponder`) whose deliveries go to the
    /// returned sequence; returns once the broker has registered it.
    func open<Element: Sendable>(
        pattern: String,
        queueGroup: String?,
        readAs: SchemaReference? = nil,
        isResponder: Bool,
        monitor: SubscriptionMonitor,
        sink: (DeliveryQueue<Element>) -> SubscriptionSink
    ) async throws -> Deliveries<Element> {
        if let problem = TopicSyntax.problem(withPattern: pattern, maxLength: Int(encoding.limits.maxTopicLength)) {
            throw TernClientError.invalidTopic(reason: problem)
        }
        let id = nextSubscriptionID.wrappingIncrementThenLoad(ordering: .relaxed)
        let session = self.session
        let new = DeliveryQueue<Element>.makeSequence(
            highWatermark: configuration.subscriptionBufferSize,
            delegate: SubscriptionDelegate(subscriptionID: id, eventLoop: eventLoop, session: session)
        )
        let confirmation = eventLoop.makePromise(of: Void.self)
        let subscribe = Frame.Subscribe(subscriptionID: id, pattern: pattern, queueGroup: queueGroup, isResponder: isResponder, readAs: readAs)
        let deliveries = sink(new.queue)
        eventLoop.execute {
            guard let session = session.value else { return confirmation.fail(TernClientError.closed) }
            session.subscribe(subscribe, monitor: monitor, sink: deliveries, confirmation: confirmation)
        }
        try await confirmation.futureResult.get()
        return new.sequence
    }

    // MARK: Flushing and closing

    /// Waits until the broker has processed everything this client sent before the call.
    ///
    /// While the client reconnects it waits for the new connection, where it follows the
    /// publishes of the reconnect buffer; a flush in flight when the connection is lost is sent
    /// again on the next one. Also throws a publish failure the broker reported for an
    /// unacknowledged publish since the previous flush.
    public func flush() async throws {
        let promise = eventLoop.makePromise(of: Void.self)
        let session = self.session
        onEventLoop {
            guard let session = session.value else { return promise.fail(TernClientError.closed) }
            session.flush(promise)
        }
        try await promise.futureResult.get()
    }

    /// Says goodbye to the broker after the queued messages and closes the connection; a client
    /// that is reconnecting stops, and the publishes in its reconnect buffer are dropped (use
    /// ``drain(timeout:)`` to have them sent).
    ///
    /// Subscriptions end normally; later calls fail with ``TernClientError/closed``. Calling
    /// it again does nothing more and returns when the connection is closed.
    public func close() async {
        let session = self.session
        eventLoop.execute { session.value?.close() }
        try? await closed.get()
    }
}
