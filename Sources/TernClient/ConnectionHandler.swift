import NIOCore
import TernProtocol

/// The last handler of a client channel: decodes frames, runs the
/// ``ConnectionStateMachine``'s actions, writes what the ``OutboundBuffer`` holds, and holds
/// back socket reads while a subscription's buffer is full.
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
    private let outbound: OutboundBuffer
    private let clientName: String
    private let handshakeTimeout: TimeAmount
    private var decoder = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameLength: maxIncomingFrameLength))
    private var context: ChannelHandlerContext?
    private var handshakeTimer: Scheduled<Void>?
    /// A read was asked for while a subscription's buffer was full.
    private var readHeldBack = false
    /// Frames were queued while handling a read; written at its end.
    private var needsDrain = false
    /// The broker sent bytes that are not a frame: the rest is ignored while the channel closes.
    private var inputFailed = false
    /// Messages of one read for one subscription, yielded together: one hand-over (and one lock
    /// of the sequence) per batch instead of per message.
    private var batch: [TernMessage] = []
    private var batchTarget: (id: UInt32, source: TernSubscription.Producer.Source)?

    init(outbound: OutboundBuffer, clientName: String, handshakeTimeout: TimeAmount, handshake: EventLoopPromise<Frame.Welcome>) {
        self.outbound = outbound
        self.clientName = clientName
        self.handshakeTimeout = handshakeTimeout
        self.stateMachine = ConnectionStateMachine(handshake: handshake)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) { [self] in
            if stateMachine.handshakeTimedOut() { self.context?.close(promise: nil) }
        }
        if context.channel.isActive { sendHello() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        sendHello()
        context.fireChannelActive()
    }

    private func sendHello() {
        let version = ProtocolVersion.supported
        outbound.appendFromEventLoop(.hello(Frame.Hello(minVersion: version.lowerBound, maxVersion: version.upperBound, clientName: clientName)))
        drain()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !inputFailed else { return }
        do {
            try decoder.process(buffer: unwrapInboundIn(data)) { frame in
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
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        stateMachine.channelFailed(TernClientError(channelError: error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deliverBatch()
        handshakeTimer?.cancel()
        let actions = stateMachine.connectionClosed()
        outbound.fail(actions.error)
        actions.handshake?.fail(actions.error)
        for promise in actions.promises { promise.fail(actions.error) }
        for (source, error) in actions.subscriptions {
            if let error { source.finish(error) } else { source.finish() }
        }
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
        case .completeHandshake(let promise, let welcome):
            handshakeTimer?.cancel()
            promise.succeed(welcome)
        case .sendPong(let token):
            outbound.appendFromEventLoop(.pong(Frame.Ping(token: token)))
            needsDrain = true
        case .succeed(let promise):
            promise.succeed()
        case .fail(let promise, let error):
            promise.fail(error)
        case .finishSubscription(let source, let error, let confirmation):
            confirmation?.fail(error)
            source.finish(error)
        case .reportDrop(let monitor, let notice):
            monitor.record(notice)
        case .close:
            context?.close(promise: nil)
        }
    }

    private func deliverBatch() {
        guard let target = batchTarget else { return }
        batchTarget = nil
        if target.source.yield(contentsOf: batch) == .stopProducing {
            stateMachine.pause(subscriptionID: target.id)
        }
        batch.removeAll(keepingCapacity: true)
    }

    // MARK: Commands from the client

    /// Writes the pending frames.
    func drain() {
        needsDrain = false
        guard let context, let bytes = outbound.takeForWriting() else { return }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        outbound.resumeWaitersIfRoom()
    }

    func subscribe(id: UInt32, pattern: String, queueGroup: String?, monitor: SubscriptionMonitor, source: TernSubscription.Producer.Source, confirmation: EventLoopPromise<Void>) {
        guard let token = stateMachine.subscribe(id: id, monitor: monitor, source: source, confirmation: confirmation) else {
            confirmation.fail(stateMachine.unavailableError)
            return
        }
        outbound.appendFromEventLoop(.subscribe(Frame.Subscribe(subscriptionID: id, pattern: pattern, queueGroup: queueGroup)))
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
        if stateMachine.subscriptionEnded(id: id) {
            outbound.appendFromEventLoop(.unsubscribe(Frame.Unsubscribe(subscriptionID: id)))
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
