import NIOCore
import TernPolling
import TernProtocol
import TernTLS

/// The last handler of a client channel: decodes frames, runs the
/// ``ConnectionStateMachine``'s actions, writes what the ``OutboundBuffer`` holds, and holds
/// back socket reads while a subscription's buffer is full. It tells its ``ClientSession``
/// when the connection is ready, what the broker announced, and what the connection still
/// owed when it closed.
///
/// Everything here runs on the channel's event loop.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The largest frame accepted from the broker: well above the default limits, so messages
    /// near the broker's announced maximum always fit.
    static let maxIncomingFrameLength: UInt32 = 16 << 20
    /// How long a closing client waits for its GOODBYE to be written before it closes anyway.
    static let closeTimeout: TimeAmount = .seconds(5)

    private var stateMachine: ConnectionStateMachine
    /// The session this connection serves; it lets go of the handler when the channel closes.
    private let session: ClientSession
    private let outbound: OutboundBuffer
    private let clientName: String
    private let credentials: HelloCredentials
    private let handshakeTimeout: TimeAmount
    private var frames = FrameStream(decoder: FrameDecoder(maxFrameLength: maxIncomingFrameLength))
    private var context: ChannelHandlerContext?
    private var handshakeTimer: Scheduled<Void>?
    private let keepAlive: TernClient.Configuration.KeepAlive?
    private var keepAliveTimer: RepeatedTask?
    /// How long the loop polls after a request is sent.
    private let replyPolling: TimeAmount
    private var replyPoller: LoopPoller?
    /// A read was asked for while a subscription's buffer was full.
    private var readHeldBack = false
    /// Frames were queued while handling a read; written at its end.
    private var needsDrain = false
    /// The broker sent bytes that are not a frame: the rest is ignored while the channel closes.
    private var inputFailed = false
    /// Messages of one read for one subscription, yielded together: one hand-over (and one lock
    /// of the sequence) per batch instead of per message.
    private var batch: DeliveryBatches<TernMessage>.Batch = []
    private var batchTarget: (id: UInt32, source: TernSubscription.Queue)?

    /// A handler for a new connection of `session`, which opens `carried`'s subscriptions again
    /// once the broker welcomes it.
    init(
        session: ClientSession, outbound: OutboundBuffer, clientName: String, credentials: HelloCredentials, handshakeTimeout: TimeAmount,
        keepAlive: TernClient.Configuration.KeepAlive?, replyPolling: TimeAmount, handshake: EventLoopPromise<Frame.Welcome>,
        carrying carried: ConnectionStateMachine.CarriedState
    ) {
        self.session = session
        self.outbound = outbound
        self.clientName = clientName
        self.credentials = credentials
        self.handshakeTimeout = handshakeTimeout
        self.keepAlive = keepAlive
        self.replyPolling = replyPolling
        self.stateMachine = ConnectionStateMachine(handshake: handshake, carrying: carried)
    }

    /// Whether the broker welcomed the connection and it is not closing.
    var isReady: Bool { stateMachine.state == .ready }

    /// The ids of the open subscriptions, responders included.
    var subscriptionIDs: [UInt32] { stateMachine.subscriptionIDs }

    /// Whether a request delivered to a responder of this connection waits for its answer.
    var hasUnansweredRequests: Bool { stateMachine.hasUnansweredRequests }

    // MARK: Channel events

    // One attempt may add the handler to several channels: a host name with several addresses
    // is connected to with Happy Eyeballs, one channel per address tried, of which one wins. The
    // handler serves the channel added last until one becomes active, then that one; what the
    // others report when they close is theirs, not the connection's.

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The deadline covers the whole attempt, every address tried.
        if handshakeTimer == nil {
            handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) { [self] in
                if stateMachine.handshakeTimedOut() { self.context?.close(promise: nil) }
            }
        }
        if context.channel.isActive && !credentials.needsTLSSession { sendHello(binding: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        guard context === self.context else { return }
        handshakeTimer?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        if !credentials.needsTLSSession { sendHello(binding: nil) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A public-key proof signs the session's binding: HELLO waits for the TLS handshake.
        if credentials.needsTLSSession, let handshake = event as? TLSHandshakeCompleted {
            sendHello(binding: handshake.authenticationBinding)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Says HELLO, with the credentials for a session whose binding is `binding`.
    private func sendHello(binding: [UInt8]?) {
        let presented: Frame.Hello.Credentials?
        do {
            presented = try credentials.credentials(binding: binding)
        } catch {
            stateMachine.channelFailed(error)
            context?.close(promise: nil)
            return
        }
        let version = ProtocolVersion.supported
        let hello = Frame.Hello(minVersion: version.lowerBound, maxVersion: version.upperBound, clientName: clientName, credentials: presented)
        outbound.appendAhead(.hello(hello))
        drain()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !inputFailed else { return }
        stateMachine.heardFromBroker()
        do {
            // A message for the subscription the batch is for, nearly all the traffic, joins the
            // batch without a trip through the state machine: nothing since the batch started can
            // have ended that subscription, as anything else delivers the batch.
            try frames.process(unwrapInboundIn(data)) { (message: consuming Frame.Message) in
                if batchTarget?.id == message.subscriptionID {
                    batch.append(TernMessage(message))
                } else {
                    run(stateMachine.received(.message(message)))
                }
            } others: { frame in
                run(stateMachine.received(frame))
            }
        } catch {
            inputFailed = true
            run(stateMachine.decodingFailed(error))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        deliverBatch()
        if needsDrain { drain() }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if outbound.setWritable(context.channel.isWritable) { drain() }
        // Publishers may wait with nothing pending: writability alone can give them room.
        outbound.resumeWaitersIfRoom()
        context.fireChannelWritabilityChanged()
    }

    /// The channel never opened: what the connection owed, ending with `error`.
    func abandon(_ error: TernClientError) -> ConnectionStateMachine.CloseActions {
        handshakeTimer?.cancel()
        stateMachine.channelFailed(error)
        return stateMachine.connectionClosed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if context === self.context { stateMachine.channelFailed(TernClientError(channelError: error)) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard context === self.context else { return context.fireChannelInactive() }
        deliverBatch()
        handshakeTimer?.cancel()
        keepAliveTimer?.cancel()
        session.channelClosed(self, owing: stateMachine.connectionClosed())
        context.fireChannelInactive()
    }

    /// Holds the read back while a subscription's buffer is full.
    func read(context: ChannelHandlerContext) {
        if stateMachine.mayRead {
            context.read()
        } else {
            readHeldBack = true
        }
    }

    // MARK: Receive actions

    private func run(_ action: ConnectionStateMachine.ReceiveAction) {
        if case .deliver(let source, let message, let id) = action {
            if let target = batchTarget, target.id != id { deliverBatch() }
            batchTarget = (id, source)
            batch.append(message)
            return
        }
        // Anything else may end a subscription or the connection: deliver what came before it.
        deliverBatch()
        switch action {
        case .none, .deliver:
            break
        case .deliverRequest(let source, let request, let id):
            if !source.yield(request) {
                stateMachine.pause(subscriptionID: id)
            }
        case .completeRequest(let request, let reply):
            request.complete(with: reply)
        case .completeOperation(let promise, let answer):
            promise.succeed(answer)
        case .failOperation(let promise, let error):
            promise.fail(error)
        case .sendReply(let reply):
            outbound.appendFromEventLoop(.reply(reply))
            needsDrain = true
        case .completeHandshake(let promise, let welcome, let resubscribe):
            handshakeTimer?.cancel()
            startKeepAlive()
            for frame in resubscribe { outbound.appendAhead(frame) }
            promise.succeed(welcome)
            session.connectionReady(self, welcome: welcome)
            needsDrain = true
        case .sendPong(let token):
            outbound.appendFromEventLoop(.pong(Frame.Ping(token: token)))
            needsDrain = true
        case .succeed(let promise):
            promise.succeed()
        case .fail(let promise, let error):
            promise.fail(error)
        case .finishSubscription(let sink, let error, let confirmation):
            confirmation?.fail(error)
            sink.finish(error)
        case .reportDrop(let monitor, let notice):
            monitor.record(notice)
        case .reportLameDuck(let duration):
            session.brokerEnteredLameDuck(duration: duration)
        case .learnServers(let addresses):
            session.learnServers(addresses)
        case .reportError(let error):
            session.report(error)
        case .finishDrained(let sinks):
            for sink in sinks { sink.finish() }
        case .close:
            context?.close(promise: nil)
        }
    }

    /// Pings a quiet broker every keep-alive interval, and aborts the connection when it stops answering.
    private func startKeepAlive() {
        guard let context, let keepAlive else { return }
        let interval = TimeAmount(keepAlive.interval)
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        keepAliveTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            loopBoundSelf.value.keepAliveIntervalPassed(keepAlive)
        }
    }

    private func keepAliveIntervalPassed(_ keepAlive: TernClient.Configuration.KeepAlive) {
        switch stateMachine.keepAliveIntervalPassed(maxUnanswered: keepAlive.maxUnansweredPings, interval: keepAlive.interval) {
        case .none:
            break
        case .sendPing(let token):
            outbound.appendFromEventLoop(.ping(Frame.Ping(token: token)))
            drain()
        case .abort:
            context?.triggerUserOutboundEvent(TLSAbort(), promise: nil)
            context?.close(promise: nil)
        }
    }

    private func deliverBatch() {
        guard let target = batchTarget else { return }
        batchTarget = nil
        // The queue takes the array itself; the next batch starts a new one.
        let messages = batch
        batch = []
        batch.reserveCapacity(messages.count)
        if !target.source.yield(contentsOf: messages) {
            stateMachine.pause(subscriptionID: target.id)
        }
    }

    // MARK: Commands from the client

    /// Writes the pending frames.
    func drain() {
        needsDrain = false
        guard let context, let bytes = outbound.takeForWriting() else { return }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        outbound.resumeWaitersIfRoom()
    }

    /// Queues `frame` to be written after the tasks already queued on this event loop, by the
    /// same drain as the publishes: the requests and replies of many tasks resumed in one turn
    /// of the loop then leave in one write instead of a write each.
    private func sendSoon(_ frame: ByteBuffer) {
        guard outbound.appendFromEventLoopForLaterDrain(encoded: frame), let context else { return }
        context.eventLoop.assumeIsolated().execute { [self] in drain() }
    }

    /// Sends SUBSCRIBE and the PING whose PONG completes `confirmation`.
    func subscribe(_ subscribe: Frame.Subscribe, monitor: SubscriptionMonitor, sink: SubscriptionSink, confirmation: EventLoopPromise<Void>) {
        guard let token = stateMachine.subscribe(subscribe, monitor: monitor, sink: sink, confirmation: confirmation) else {
            confirmation.fail(stateMachine.unavailableError)
            return
        }
        outbound.appendFromEventLoop(.subscribe(subscribe))
        outbound.appendFromEventLoop(.ping(Frame.Ping(token: token)))
        drain()
    }

    func subscriptionWantsMore(_ id: UInt32) {
        guard stateMachine.resume(subscriptionID: id), readHeldBack, let context else { return }
        readHeldBack = false
        context.read()
    }

    func subscriptionEnded(_ id: UInt32) {
        let wasPausingReads = !stateMachine.mayRead
        let frames = stateMachine.subscriptionEnded(id: id)
        if !frames.isEmpty {
            for frame in frames { outbound.appendFromEventLoop(frame) }
            drain()
        }
        if wasPausingReads, stateMachine.mayRead, readHeldBack, let context {
            readHeldBack = false
            context.read()
        }
    }

    func flush(_ promise: EventLoopPromise<Void>) {
        guard let token = stateMachine.flush(promise) else {
            promise.fail(stateMachine.unavailableError)
            return
        }
        outbound.appendFromEventLoop(.ping(Frame.Ping(token: token)))
        drain()
    }

    /// Sends an already encoded PUBLISH that asks for acknowledgement `ackID`.
    func publishAcknowledged(_ frame: ByteBuffer, ackID: UInt64, promise: EventLoopPromise<Void>) {
        guard stateMachine.expectAck(id: ackID, promise: promise) else {
            promise.fail(stateMachine.unavailableError)
            return
        }
        outbound.appendFromEventLoop(encoded: frame)
        drain()
    }

    /// Sends an already encoded REQUEST with id `id`; `promise` gets the reply. The request fails
    /// with ``TernClientError/requestTimedOut(topic:)`` after `localTimeout` if the broker has
    /// not answered by then.
    func request(_ frame: ByteBuffer, id: UInt64, topic: String, localTimeout: TimeAmount, promise: EventLoopPromise<TernMessage>) {
        guard let context else { return promise.fail(stateMachine.unavailableError) }
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: localTimeout) { [self] in
            if let request = stateMachine.endRequest(id: id) { request.fail(TernClientError.requestTimedOut(topic: topic)) }
        }
        guard stateMachine.startRequest(id: id, PendingRequest(topic: topic, promise: promise, localTimeout: timer)) else {
            timer.cancel()
            return promise.fail(stateMachine.unavailableError)
        }
        sendSoon(frame)
        pollForReplies(on: context.eventLoop)
    }

    /// Keeps the loop polling for ``replyPolling``, so that a quick reply finds it awake: when
    /// the request sent is the only one in flight. With more, replies keep the loop busy, and
    /// polling in between costs CPU that the broker and the responders need (at 8 in flight on
    /// two cores, it cost 40% of the requests per second).
    private func pollForReplies(on eventLoop: any EventLoop) {
        guard replyPolling > .zero, stateMachine.pendingRequestCount == 1 else { return }
        let poller = replyPoller ?? LoopPoller(eventLoop: eventLoop)
        replyPoller = poller
        poller.keepPolling(for: replyPolling)
    }

    /// Sends an already encoded registry frame with operation id `id`; `promise` gets the answer.
    func administer(_ frame: ByteBuffer, operationID id: UInt64, promise: EventLoopPromise<Frame>) {
        guard stateMachine.startOperation(id: id, promise: promise) else {
            return promise.fail(stateMachine.unavailableError)
        }
        outbound.appendFromEventLoop(encoded: frame)
        drain()
    }

    /// Stops waiting for the reply to request `id`, failing it with `error`.
    func abandonRequest(id: UInt64, with error: any Error) {
        stateMachine.endRequest(id: id)?.fail(error)
    }

    /// Sends a responder's encoded REPLY to the broker's request `requestID`, unless that request
    /// was already answered.
    func answer(_ reply: ByteBuffer, requestID: UInt64) {
        guard stateMachine.answer(requestID: requestID) else { return }
        sendSoon(reply)
    }

    /// Sends an UNSUBSCRIBE for every subscription and a PING after them, whose PONG ends their
    /// sequences; returns whether there was any.
    func drainSubscriptions() -> Bool {
        let frames = stateMachine.drainSubscriptions()
        for frame in frames { outbound.appendFromEventLoop(frame) }
        drain()
        return !frames.isEmpty
    }

    /// Says GOODBYE after the pending frames, then closes the channel.
    func close() {
        guard let context, stateMachine.close() else { return }
        outbound.fail(.closed)
        outbound.appendFromEventLoop(.goodbye(Frame.Goodbye()))
        guard let bytes = outbound.takeForWriting(force: true) else {
            context.close(promise: nil)
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: Self.closeTimeout) { [self] in
            self.context?.close(promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(bytes)).assumeIsolated().whenComplete { [self] _ in
            timeout.cancel()
            self.context?.close(promise: nil)
        }
    }
}
