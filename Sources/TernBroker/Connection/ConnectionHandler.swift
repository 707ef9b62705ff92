import Atomics
import Logging
import NIOCore
import TernPolling
import TernProtocol
import TernSchema
import TernTLS

/// Runs the protocol on one client connection. It decodes frames, tells the
/// ``ConnectionStateMachine`` of each event and carries out the action that comes back: the
/// writes, and the calls into topics, the subscription index, the registry and other
/// connections. The rules live in the machine.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let core: BrokerCore
    var context: ChannelHandlerContext?
    var handle: ConnectionHandle?
    var state: ConnectionStateMachine
    /// Splits the bytes read into frames.
    private var frames: FrameStream
    /// How subscriptions that read as a version take each writer version, worked out once.
    var readings: [ResolverKey: Result<PayloadReading, Unreadable>] = [:]
    private var handshakeDeadline: Scheduled<Void>?
    /// The timer of the requests in flight to this connection's responders, and its deadline.
    var requestTimer: (deadline: NIODeadline, task: Scheduled<Void>)?
    private var pingTimer: RepeatedTask?
    private var needsFlush = false
    /// A flush is queued behind the tasks on this event loop (``flushSoon()``).
    private var flushScheduled = false
    /// Messages written since the last flush.
    private var unflushedMessages = 0
    /// Input waits to be processed in a later turn of the event loop.
    private var continuationScheduled = false
    /// A registry change is being saved: input after its frame waits until it is done.
    var awaitingRegistry = false
    /// What the connection read and wrote, for the monitoring listener.
    var activity: ConnectionActivity
    /// The client is being authenticated: input after its HELLO waits until it is done.
    var awaitingAuthentication = false
    /// The client's TLS session, once its handshake completed.
    var tlsHandshake: TLSHandshakeCompleted?
    /// When the HELLO arrived, from which a failed authentication's answer is timed.
    var helloReceived: NIODeadline?
    /// Set when the connection no longer waits for the token check it asked for.
    var tokenCheckAbandoned: ManagedAtomic<Bool>?
    /// Its event loop's polling, told of reads that hold requests or replies.
    private var poller: LoopPoller?

    init(core: BrokerCore) {
        self.core = core
        self.state = ConnectionStateMachine(limits: core.configuration.limits, maxInFlightRequests: core.configuration.maxRequestsInFlight)
        self.frames = FrameStream(decoder: FrameDecoder(maxFrameLength: core.configuration.limits.maxFrameLength))
        self.activity = ConnectionActivity(at: .now())
    }

    var limits: Limits { core.configuration.limits }

    /// The broker's logger with this connection's metadata. Built for each line logged, so that
    /// an idle connection holds no metadata of its own (about 600 bytes each).
    var logger: Logger {
        var logger = core.logger
        logger[metadataKey: "peer"] = "\(context?.remoteAddress?.peerDescription ?? "?")"
        if let handle { logger[metadataKey: "connection"] = "\(handle.id)" }
        if let name = state.lifecycle.clientName { logger[metadataKey: "client"] = "\(name)" }
        if let user = state.authorization?.user { logger[metadataKey: "user"] = "\(user.name)" }
        if let handshake = tlsHandshake {
            logger[metadataKey: "tls"] = "\(handshake.protocolVersion)"
            if let subject = handshake.peerSubject { logger[metadataKey: "client-certificate"] = "\(subject)" }
        }
        return logger
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.poller = core.inputPolling.poller(on: context.eventLoop)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeDeadline = context.eventLoop.scheduleTask(in: core.configuration.handshakeTimeout) {
            let handler = loopBoundSelf.value
            if let error = handler.state.handshakeDeadlinePassed() { handler.sendError(error) }
        }
        if let handle = core.register(self, channel: context.channel) {
            self.handle = handle
            core.statistics.connectionOpened()
            logger.debug("connection opened")
        } else {
            // Without a handle the connection takes part in nothing; its HELLO is refused.
            core.statistics.connectionRefused()
            logger.warning("refusing a connection: the broker holds its maximum of \(core.configuration.maxConnections)")
            state.connectionLimitReached(maxConnections: core.configuration.maxConnections)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeDeadline?.cancel()
        pingTimer?.cancel()
        tokenCheckAbandoned?.store(true, ordering: .relaxed)
        retireAll(state.subscriptions.removeAll())
        failInFlightRequests()
        if let handle {
            core.unregister(handle, on: context.eventLoop)
            core.statistics.connectionClosed()
            handle.detach()
            logger.debug("connection closed")
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !state.inputFailed else { return }
        let bytes = unwrapInboundIn(data)
        activity.read(bytes.readableBytes, at: context.eventLoop.now)
        guard !continuationScheduled && !isAwaiting else {
            // Earlier input waits: this read waits behind it.
            frames.keep(bytes)
            return
        }
        state.intake.readStarted()
        process(bytes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // After publishes alone nothing comes back, and a polling loop would take the core from
        // the subscribers it just wrote to.
        if state.takeExpectsAnswer() { poller?.keepPolling(for: core.inputPolling.window) }
        finishTurn()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted { tlsHandshake = handshake }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? FrameDecodingError {
            core.statistics.protocolError()
            logger.info("closing after a protocol error", metadata: ["error": "\(error)"])
            if let refusal = state.decodingFailed(error) { sendError(refusal) }
        } else {
            if error is TLSError && tlsHandshake == nil { core.statistics.tlsHandshakeFailed() }
            logger.debug("closing after an error", metadata: ["error": "\(error)"])
            state.closeRequested()
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if state.readGate.readRequested() { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            let waiting = state.unwritableDrains
            state.unwritableDrains.removeAll()
            drain(Array(waiting.values))
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Input

    /// Decodes and acts on `bytes` (or, with `nil`, on the input that waits), frame by frame,
    /// until the turn's work budget is spent; what is left waits for a later turn, and the
    /// connection reads nothing more meanwhile.
    private func process(_ bytes: ByteBuffer?) {
        guard let context else { return }
        do {
            try frames.process(bytes) { (publish: consuming Frame.Publish) in
                guard let action = state.publishReceived(consume publish) else { return true }
                run(action)
                return !state.budget.isSpent
            } others: { frame in
                // What comes after publishes comes after them in their topics too.
                handOffPublishes()
                run(state.frameReceived(frame, readAsProblem: { core.registry.problem(readingAs: $0) }))
                return !state.budget.isSpent && !state.isClosing && !isAwaiting
            }
        } catch {
            // Whatever follows bytes that are not a frame cannot be framed either.
            errorCaught(context: context, error: error)
        }
        if frames.hasWaitingInput && !state.inputFailed && !state.isClosing {
            state.readGate.inputDeferred()
            if !isAwaiting { scheduleContinuation() }
        }
    }

    /// Goes on with the input that waits, in a later turn of the event loop, so that other
    /// connections' work comes in between.
    private func scheduleContinuation() {
        guard !continuationScheduled, let context else { return }
        continuationScheduled = true
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        core.turns.afterThisTurn(on: context.eventLoop) {
            let handler = loopBoundSelf.value
            handler.continuationScheduled = false
            handler.state.budget.renew()
            handler.state.intake.readStarted()
            handler.process(nil)
            handler.finishTurn()
            handler.readIfInputDone()
        }
    }

    /// Whether input waits for a registry change or the client's authentication.
    private var isAwaiting: Bool { awaitingRegistry || awaitingAuthentication }

    /// A registry change or the authentication this connection waited for is done: the input
    /// after it goes on.
    func inputMayGoOn() {
        guard !isAwaiting else { return }
        if frames.hasWaitingInput {
            scheduleContinuation()
        } else {
            readIfInputDone()
        }
    }

    /// Reads again once no input waits any more.
    private func readIfInputDone() {
        guard !frames.hasWaitingInput, !isAwaiting, state.readGate.inputProcessed() else { return }
        context?.read()
    }

    /// The end of a turn's input: publishes go to their topics, what was written is flushed.
    private func finishTurn() {
        handOffPublishes()
        if !frames.hasWaitingInput { state.budget.renew() }
        if state.closesAfterRead && state.lifecycle.state == .clientLeft {
            close()
        } else {
            flushIfNeeded()
        }
    }

    // MARK: Actions

    func run(_ action: ConnectionStateMachine.FrameAction) {
        switch action {
        case .none:
            break
        case .sendWelcome(let version):
            handshakeDeadline?.cancel()
            send(.welcome(core.welcome(version: version, authenticated: state.authorization != nil)))
            if let servers = core.configuration.announcedServers?.addresses, !servers.isEmpty {
                send(.servers(Frame.Servers(addresses: servers)))
            }
            startPinging()
        case .authenticate(let hello):
            authenticate(hello)
        case .sendError(let error):
            if error.code == .permissionDenied { core.statistics.permissionDenied() }
            sendError(error)
        case .refusePublish(let refusal):
            core.statistics.publishesRefused(1, code: refusal.code)
            if refusal.code == .permissionDenied { core.statistics.permissionDenied() }
            refuse(refusal)
        case .handOffPublishes:
            handOffPublishes()
        case .answerPing(let ping):
            answer(ping)
        case .openSubscription(let subscribe):
            open(subscribe)
        case .closeSubscription(let subscriber):
            retire([subscriber])
        case .routeRequest(let request):
            route(request)
        case .forwardReply(let reply, let request):
            forward(reply, of: request)
        case .dropLateReply(let requestID):
            core.statistics.lateReplyDropped()
            logger.debug("dropped a reply to a request no longer in flight", metadata: ["request": "\(requestID)"])
        case .refuseReply(let error, let request):
            refuseReply(error, of: request)
        case .administer(let frame):
            administer(frame)
        case .refuse(let refusal):
            core.statistics.permissionDenied()
            send(refusal)
        case .closeAfterRead:
            // Frames after GOODBYE in the same read are answered `unexpected_frame` first.
            handOffPublishes()
        }
    }

    private func startPinging() {
        guard let context, core.configuration.pingInterval > .zero else { return }
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let interval = core.configuration.pingInterval
        pingTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let handler = loopBoundSelf.value
            switch handler.state.pingIntervalPassed() {
            case .sendPing(let ping):
                handler.send(.ping(ping))
                handler.flushIfNeeded()
            case .sendError(let error):
                handler.sendError(error)
            default:
                break
            }
        }
    }

    // MARK: Writing

    /// Writes `count` messages' frames; they are flushed by ``flushIfNeeded()``.
    func write(_ frames: ByteBuffer, messages count: Int) {
        guard let context else { return }
        activity.wrote(count, bytes: frames.readableBytes, at: context.eventLoop.now)
        context.write(wrapOutboundOut(frames), promise: nil)
        needsFlush = true
        unflushedMessages += count
    }

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
        activity.wrote(0, bytes: buffer.readableBytes, at: nil)
        context.write(wrapOutboundOut(buffer), promise: nil)
        needsFlush = true
    }

    /// Sends an ERROR; one that closes the connection goes after the publishes read before it
    /// were handed to their topics, and the connection closes after it.
    func sendError(_ error: Frame.Error) {
        guard error.closesConnection else {
            send(.error(error))
            return
        }
        handOffPublishes()
        send(.error(error))
        close()
    }

    /// Flushes after the tasks already queued on this event loop have run: the requests or
    /// replies that one read of another connection hands to this one, a task each, then leave in
    /// one write instead of a write each.
    func flushSoon() {
        guard needsFlush, !flushScheduled, let context else { return }
        flushScheduled = true
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            loopBoundSelf.value.flushScheduled = false
            loopBoundSelf.value.flushIfNeeded()
        }
    }

    func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
        // Below the channel's high-water mark the outbound limit cannot have been reached, and a
        // flush without messages needs no marker: then the exact count of bytes waiting, an
        // option read through NIO's generic path (about 1,500 instructions), is not needed.
        guard unflushedMessages > 0 || !context.channel.isWritable else { return }
        let pending = enforceOutboundLimit(context: context)
        guard unflushedMessages > 0 else { return }
        if let marker = state.written.wrote(unflushedMessages, bufferedBytes: pending) {
            placeWriteMarker(after: marker, context: context)
        }
        unflushedMessages = 0
    }

    /// Closes the connection with `outbound_limit_exceeded` when more bytes wait for its socket
    /// than the broker allows: a client that reads nothing must not grow the broker's memory.
    /// Returns the bytes waiting for the socket.
    @discardableResult
    func enforceOutboundLimit(context: ChannelHandlerContext) -> Int {
        let pending = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard !state.isClosing, pending > core.configuration.maxPendingOutboundBytes else { return pending }
        core.statistics.outboundLimitExceeded()
        logger.warning("closing a connection that does not read what it is sent", metadata: ["pending-bytes": "\(pending)"])
        sendError(Frame.Error(
            code: .outboundLimitExceeded,
            message: "\(pending) bytes wait to be written to this connection, over the limit of \(core.configuration.maxPendingOutboundBytes)",
            closesConnection: true
        ))
        return pending
    }

    /// Flushes what was written, then closes the connection (sending TLS close_notify).
    func close() {
        state.closeRequested()
        guard let context else { return }
        needsFlush = false
        context.flush()
        context.close(promise: nil)
    }
}

extension ConnectionHandler {
    /// The connection now, for the monitoring listener; on its event loop.
    func summary(id: UInt64) -> ConnectionSummary {
        let buffered = (try? context?.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        let subscribers = state.subscriptions.byID.values
        return ConnectionSummary(
            id: id, peer: context?.remoteAddress?.peerDescription ?? "?",
            clientName: state.lifecycle.clientName,
            tls: tlsHandshake.map { .init(version: $0.protocolVersion, cipher: $0.cipher, clientCertificate: $0.peerSubject) },
            subscriptions: subscribers.count, pendingBytes: buffered + subscribers.reduce(0) { $0 + ($1.isResponder ? 0 : $1.queue.pendingBytes) },
            messagesIn: activity.messagesIn, messagesOut: activity.messagesOut, bytesIn: activity.bytesIn, bytesOut: activity.bytesOut,
            connectedAt: activity.connectedAt, lastActivity: activity.lastActivity
        )
    }
}
