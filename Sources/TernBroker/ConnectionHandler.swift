import Logging
import NIOCore
import TernProtocol
import TernSchema
import TernTLS

/// Runs the protocol on one client connection: the handshake, publishes, subscriptions and
/// deliveries. The rules live in ``ConnectionStateMachine``; this handler performs its actions.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let core: BrokerCore
    var logger: Logger
    var context: ChannelHandlerContext?
    var handle: ConnectionHandle?
    var stateMachine = ConnectionStateMachine()
    /// Splits the bytes read into frames.
    private var frames: FrameStream
    /// Set once the input held something that is not a frame; the rest of it is ignored.
    private var inputFailed = false
    var subscriptions: [UInt32: Subscriber] = [:]
    /// Publishes of the current read, grouped by topic, handed to topics once the read is done.
    var publishBatches = PublishBatches()
    /// The last topic name that passed validation, so a stream to one topic is checked once.
    var lastValidTopic: String?
    /// The envelope of the last publish, shared by the next when its fields are the same.
    var lastEnvelope: PublishedMessage.Envelope?
    /// Topics whose full mailboxes hold this publisher back; it reads nothing while any does.
    var pausingTopics: Set<ObjectIdentifier> = []
    var readPending = false
    /// Set when the broker shuts down: the connection reads nothing more.
    var isQuiescing = false
    /// The messages written to the channel, and those that reached the socket.
    var writtenMessages = WrittenMessages()
    /// Subscriptions with queued messages that wait for the socket to become writable.
    var unwritableDrains: [ObjectIdentifier: Subscriber] = [:]
    /// Topics handed publishes since the last PING; its PONG waits until they processed them.
    var topicsSinceLastPing: [ObjectIdentifier: Topic] = [:]
    /// PINGs waiting for topics, oldest first.
    var pendingPongs: [PendingPong] = []
    var lastBarrier: UInt64 = 0
    /// Requests delivered to this connection's responders, by the id the broker gave them.
    var inFlightRequests: [UInt64: InFlightRequest] = [:]
    var lastIncomingRequestID: UInt64 = 0
    /// Compiled writer→reader resolutions for subscriptions that read as a version.
    var resolvers: [ResolverKey: SchemaResolver?] = [:]
    private var handshakeDeadline: Scheduled<Void>?
    private var pingTimer: RepeatedTask?
    private var needsFlush = false
    /// Set by the client's GOODBYE: the rest of the current read is checked, then the connection closes.
    private var closesAfterRead = false

    init(core: BrokerCore) {
        self.core = core
        self.logger = core.logger
        self.frames = FrameStream(decoder: FrameDecoder(maxFrameLength: core.configuration.limits.maxFrameLength))
    }

    var limits: Limits { core.configuration.limits }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let handle = core.register(self, channel: context.channel) else {
            core.logger.warning("refused a connection: the broker holds its maximum of \(core.configuration.maxConnections)")
            perform(.sendError(Frame.Error(code: .tooManyConnections, message: "the broker is at its connection limit", closesConnection: true)))
            return
        }
        self.handle = handle
        logger[metadataKey: "connection"] = "\(handle.id)"
        logger[metadataKey: "peer"] = "\(context.remoteAddress?.description ?? "?")"
        core.statistics.connectionOpened()
        logger.debug("connection opened")
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeDeadline = context.eventLoop.scheduleTask(in: core.configuration.handshakeTimeout) {
            loopBoundSelf.value.perform(loopBoundSelf.value.stateMachine.handshakeDeadlinePassed())
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeDeadline?.cancel()
        pingTimer?.cancel()
        for subscriber in subscriptions.values {
            retire(subscriber)
        }
        subscriptions.removeAll()
        failInFlightRequests()
        if let handle {
            core.unregister(handle, on: context.eventLoop)
            core.statistics.connectionClosed()
            handle.detach()
            logger.debug("connection closed")
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !inputFailed else { return }
        // The frame stream gives each read's publishes a topic string of their own: comparing
        // them with that string takes a glance at its identity, with an earlier read's every
        // byte. And a new envelope: sharing one with messages other threads are releasing would
        // make its reference count a point of contention.
        lastValidTopic = nil
        lastEnvelope = nil
        do {
            // Publishes, nearly all the traffic, skip the state machine's action once ready.
            try frames.process(unwrapInboundIn(data)) { (publish: consuming Frame.Publish) in
                if stateMachine.publishReceived() {
                    accept(publish)
                } else {
                    perform(stateMachine.frameReceived(.publish(publish)))
                }
            } others: { frame in
                perform(stateMachine.frameReceived(frame))
            }
        } catch {
            // Whatever follows bytes that are not a frame cannot be framed either.
            inputFailed = true
            errorCaught(context: context, error: error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        handOffPublishes()
        if closesAfterRead && stateMachine.state == .clientLeft {
            close()
        } else {
            flushIfNeeded()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            logger[metadataKey: "tls"] = "\(handshake.protocolVersion)"
            if let subject = handshake.peerSubject { logger[metadataKey: "client-certificate"] = "\(subject)" }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? FrameDecodingError {
            core.statistics.protocolError()
            logger.info("closing after a protocol error", metadata: ["error": "\(error)"])
            perform(stateMachine.decodingFailed(error))
        } else {
            logger.debug("closing after an error", metadata: ["error": "\(error)"])
            stateMachine.closeRequested()
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if pausingTopics.isEmpty && !isQuiescing {
            context.read()
        } else {
            readPending = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            let waiting = unwritableDrains
            unwritableDrains.removeAll()
            for subscriber in waiting.values {
                drain(subscriber)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Actions

    func perform(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .sendWelcome(let version):
            handshakeDeadline?.cancel()
            send(.welcome(core.welcome(version: version)))
            startPinging()
        case .sendError(let error):
            if error.closesConnection {
                handOffPublishes()
                send(.error(error))
                close()
            } else {
                send(.error(error))
            }
        case .sendPong(let ping):
            // Everything read before the PING goes to its topics first, so the PONG proves it.
            handOffPublishes()
            answerAfterTopics(ping)
        case .sendPing(let ping):
            send(.ping(ping))
            flushIfNeeded()
        case .process(let frame):
            process(frame)
        case .close:
            // Frames after GOODBYE in the same read are answered `unexpected_frame` first.
            handOffPublishes()
            closesAfterRead = true
        }
    }

    private func process(_ frame: Frame) {
        switch frame {
        case .publish(let publish):
            accept(publish)
        case .subscribe(let subscribe):
            handOffPublishes()
            self.subscribe(subscribe)
        case .unsubscribe(let unsubscribe):
            handOffPublishes()
            self.unsubscribe(unsubscribe.subscriptionID)
        case .request(let request):
            route(request)
        case .reply(let reply):
            forward(reply)
        case .registerSchema, .getSchema, .listSchemas, .setCompatibility, .bindTopic, .checkSchema:
            handOffPublishes()
            administer(frame)
        default:
            // Frames of features this server does not announce are answered like unknown types.
            send(.error(Frame.Error(
                code: .unknownFrameType, id: UInt64(frame.type?.rawValue ?? 0),
                message: "\(frame.type.map { "\($0)" } ?? "this frame") is not supported by this server", closesConnection: false
            )))
        }
    }

    private func startPinging() {
        guard let context, core.configuration.pingInterval > .zero else { return }
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let interval = core.configuration.pingInterval
        pingTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            loopBoundSelf.value.perform(loopBoundSelf.value.stateMachine.pingIntervalPassed())
        }
    }

    // MARK: Writing

    /// Encodes and writes one frame; it is flushed when the current read completes, or by the caller.
    func send(_ frame: Frame) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        do {
            try buffer.writeFrame(frame)
        } catch {
            logger.error("could not encode a frame", metadata: ["error": "\(error)"])
            return
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
        needsFlush = true
    }

    func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
        enforceOutboundLimit(context: context)
    }

    /// Closes the connection with `outbound_limit_exceeded` when more bytes wait for its socket
    /// than the broker allows: a client that reads nothing must not grow the broker's memory.
    /// Returns the bytes waiting for the socket.
    @discardableResult
    func enforceOutboundLimit(context: ChannelHandlerContext) -> Int {
        let pending = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard stateMachine.state != .closing, pending > core.configuration.maxPendingOutboundBytes else { return pending }
        core.statistics.outboundLimitExceeded()
        logger.warning("closing a connection that does not read what it is sent", metadata: ["pending-bytes": "\(pending)"])
        perform(.sendError(Frame.Error(
            code: .outboundLimitExceeded,
            message: "\(pending) bytes wait to be written to this connection, over the limit of \(core.configuration.maxPendingOutboundBytes)",
            closesConnection: true
        )))
        return pending
    }

    /// Flushes what was written, then closes the connection (sending TLS close_notify).
    func close() {
        stateMachine.closeRequested()
        guard let context else { return }
        needsFlush = false
        context.flush()
        context.close(promise: nil)
    }

}
