import DequeModule
import NIOConcurrencyHelpers
import NIOCore
import TernProtocol

/// What of a client outlives its connections, on the client's event loop: the connection in
/// use (its ``ConnectionHandler``), when and where to open the next one
/// (``ReconnectStateMachine``), what a lost connection carries to the next (subscriptions,
/// flushes, the publishes of the ``OutboundBuffer``), the commands that wait for a connection,
/// and the events.
///
/// The client's calls come here and go on to the connection when it is ready; while the client
/// reconnects they wait (a request within its timeout) and run on the next connection, in order.
final class ClientSession {
    let eventLoop: any EventLoop
    let outbound: OutboundBuffer
    let events = ClientEvents()
    /// What the broker of the current (or last) connection announced.
    let serverInfo = NIOLockedValueBox<TernServerInfo?>(nil)
    /// Succeeds with the first connection, fails when none could be made.
    let firstConnection: EventLoopPromise<Void>
    /// Succeeds once the client is closed, for good.
    let closed: EventLoopPromise<Void>

    private let configuration: TernClient.Configuration
    /// What each connection's HELLO presents.
    private let credentials: HelloCredentials
    private let opener: any ChannelOpener
    private var reconnect: ReconnectStateMachine
    private var random = SystemRandomNumberGenerator()
    /// The handler of the connection in use or being opened.
    private var handler: ConnectionHandler?
    /// The next attempt, while waiting for it.
    private var nextAttempt: Scheduled<Void>?
    /// What the lost connection left for the next one.
    private var carried = ConnectionStateMachine.CarriedState()
    private var carriedFlushes: [EventLoopPromise<Void>] = []
    /// Calls made while no connection was ready, in order.
    private var waiting: Deque<WaitingCommand> = []
    private var isClosing = false
    /// Why the client ended, once it has.
    private var ended: TernClientError?
    private var drain: Drain?

    /// A drain under way: the subscriptions whose consumers have not finished yet.
    private struct Drain {
        let done: EventLoopPromise<Void>
        var awaiting: Set<UInt32>
    }

    init(
        configuration: TernClient.Configuration, credentials: HelloCredentials, outbound: OutboundBuffer, opener: any ChannelOpener,
        eventLoop: any EventLoop
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.outbound = outbound
        self.opener = opener
        self.eventLoop = eventLoop
        firstConnection = eventLoop.makePromise()
        closed = eventLoop.makePromise()
        reconnect = ReconnectStateMachine(
            servers: configuration.servers, randomize: configuration.randomizeServers, policy: configuration.reconnect,
            retryingFirstConnectionUntil: configuration.retryFirstConnectionFor.map { eventLoop.now + TimeAmount($0) }, using: &random
        )
    }

    /// Makes the first attempt; ``firstConnection`` tells how it ends.
    func start() {
        guard let server = reconnect.start() else { return finish(.connectionFailed(reason: "no server to connect to")) }
        attempt(server)
    }

    // MARK: Connections

    private func attempt(_ server: ServerAddress) {
        let handshake = eventLoop.makePromise(of: Frame.Welcome.self)
        let handler = ConnectionHandler(
            session: self, outbound: outbound, clientName: configuration.clientName, credentials: credentials,
            handshakeTimeout: TimeAmount(configuration.connectTimeout),
            keepAlive: configuration.keepAlive, replyPolling: TimeAmount(configuration.replyPolling), handshake: handshake, carrying: carried
        )
        carried = ConnectionStateMachine.CarriedState()
        self.handler = handler
        let added = NIOLoopBound(handler, eventLoop: eventLoop)
        let loopBoundSelf = NIOLoopBound(self, eventLoop: eventLoop)
        opener.open(to: server, on: eventLoop) { channel in
            try channel.pipeline.syncOperations.addHandler(added.value)
        }.whenFailure { error in
            // The channel never opened (or closed before it was active): the handler heard of nothing.
            let handler = added.value
            loopBoundSelf.value.channelClosed(handler, owing: handler.abandon(TernClientError(channelError: error)))
        }
    }

    /// The broker welcomed `handler`'s connection: it becomes the one in use, and what waited
    /// for it runs.
    func connectionReady(_ handler: ConnectionHandler, welcome: Frame.Welcome) {
        guard handler === self.handler, !isClosing else { return handler.close() }
        serverInfo.withLockedValue { $0 = TernServerInfo(welcome) }
        outbound.open()
        let flushes = carriedFlushes
        carriedFlushes = []
        for flush in flushes { handler.flush(flush) }
        let commands = waiting
        waiting = []
        for command in commands { command.run(on: handler, now: eventLoop.now) }
        if drain != nil { _ = handler.drainSubscriptions() }
        if let event = reconnect.connected(at: eventLoop.now) { events.emit(event) }
        firstConnection.succeed()
    }

    /// `handler`'s channel closed (or never opened), owing `actions`: reconnect, try the next
    /// server, or end.
    func channelClosed(_ handler: ConnectionHandler, owing actions: ConnectionStateMachine.CloseActions) {
        guard handler === self.handler else {
            actions.handshake?.fail(actions.error)
            _ = actions.complete(reconnecting: false)
            return
        }
        self.handler = nil
        if let handshake = actions.handshake {
            // An attempt that failed: the subscriptions it carried go to the next one.
            handshake.fail(actions.error)
            carry(actions)
            return isClosing ? finish(.closed) : attemptFailed(actions.error)
        }
        guard !isClosing, case .connected(let server) = reconnect.phase else {
            _ = actions.complete(reconnecting: false)
            return finish(isClosing ? .closed : actions.error)
        }
        switch reconnect.connectionLost(actions.error, at: eventLoop.now, using: &random) {
        case .connect(let next, let delay):
            carry(actions)
            outbound.connectionLost()
            // Told once publishes already go to the reconnect buffer: a task that publishes on
            // hearing it finds the buffer's limit in force.
            events.emit(.disconnected(server, reason: actions.error))
            schedule(next, after: delay)
        case .giveUp(let error):
            events.emit(.disconnected(server, reason: actions.error))
            _ = actions.complete(reconnecting: false)
            finish(error)
        }
    }

    private func carry(_ actions: ConnectionStateMachine.CloseActions) {
        guard let (carried, flushes) = actions.complete(reconnecting: true) else { return }
        self.carried = carried
        carriedFlushes.append(contentsOf: flushes)
    }

    private func attemptFailed(_ error: TernClientError) {
        switch reconnect.attemptFailed(error, at: eventLoop.now, using: &random) {
        case .connect(let next, let delay):
            schedule(next, after: delay)
        case .giveUp(let error):
            finish(error)
        }
    }

    private func schedule(_ server: ServerAddress, after delay: Duration) {
        nextAttempt = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [self] in
            nextAttempt = nil
            attempt(server)
        }
    }

    /// The client is done, with `error` (``TernClientError/closed`` when it closed): everything
    /// that waited fails, subscriptions end, and so do the event streams.
    private func finish(_ error: TernClientError) {
        guard ended == nil else { return }
        ended = error
        _ = reconnect.close()
        nextAttempt?.cancel()
        outbound.fail(error)
        let subscriptionError = error == .closed ? nil : error
        for subscription in carried.subscriptions.values {
            subscription.confirmation?.fail(error)
            subscription.sink.finish(subscriptionError)
        }
        carried = ConnectionStateMachine.CarriedState()
        for flush in carriedFlushes { flush.fail(error) }
        carriedFlushes = []
        for command in waiting { command.fail(error) }
        waiting = []
        firstConnection.fail(error)
        drain?.done.succeed()
        events.emit(.closed(reason: subscriptionError))
        closed.succeed()
    }

    // MARK: What the broker announced

    func brokerEnteredLameDuck(duration: Duration) {
        guard case .connected(let server) = reconnect.phase else { return }
        reconnect.lameDuck()
        events.emit(.lameDuck(server))
    }

    func learnServers(_ addresses: [String]) {
        reconnect.learn(addresses)
    }

    func report(_ error: TernClientError) {
        events.emit(.error(error))
    }

    // MARK: Commands from the client

    /// The connection to hand a call to, when one is ready.
    private var readyHandler: ConnectionHandler? {
        handler.flatMap { $0.isReady ? $0 : nil }
    }

    /// Runs `command` on the ready connection, or keeps it for the next one; fails it when the
    /// client has ended.
    private func perform(_ command: WaitingCommand) {
        if let ended {
            command.fail(ended)
        } else if let handler = readyHandler {
            command.run(on: handler, now: eventLoop.now)
        } else {
            waiting.append(command)
        }
    }

    func drainOutbound() {
        readyHandler?.drain()
    }

    func subscribe(_ subscribe: Frame.Subscribe, monitor: SubscriptionMonitor, sink: SubscriptionSink, confirmation: EventLoopPromise<Void>) {
        guard !isClosing, drain == nil else { return confirmation.fail(ended ?? .closed) }
        perform(.subscribe(subscribe, monitor, sink, confirmation))
    }

    func flush(_ promise: EventLoopPromise<Void>) {
        perform(.flush(promise))
    }

    func publishAcknowledged(_ frame: ByteBuffer, ackID: UInt64, promise: EventLoopPromise<Void>) {
        perform(.publishAcknowledged(frame, ackID: ackID, promise))
    }

    func administer(_ frame: ByteBuffer, operationID: UInt64, promise: EventLoopPromise<Frame>) {
        perform(.administer(frame, operationID: operationID, promise))
    }

    /// Sends a request now, or when the client has reconnected if that happens within
    /// `localTimeout`; see ``ConnectionHandler/request(_:id:topic:localTimeout:promise:)``.
    func request(_ frame: ByteBuffer, id: UInt64, topic: String, localTimeout: TimeAmount, promise: EventLoopPromise<TernMessage>) {
        if let handler = readyHandler {
            return handler.request(frame, id: id, topic: topic, localTimeout: localTimeout, promise: promise)
        }
        let deadline = eventLoop.now + localTimeout
        let timeout = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            abandonRequest(id: id, with: TernClientError.requestTimedOut(topic: topic))
        }
        perform(.request(PendingRequestFrame(frame: frame, id: id, topic: topic, deadline: deadline, promise: promise, timeout: timeout)))
    }

    func abandonRequest(id: UInt64, with error: any Error) {
        if let index = waiting.firstIndex(where: { $0.requestID == id }) {
            waiting.remove(at: index).fail(error)
        } else {
            handler?.abandonRequest(id: id, with: error)
        }
    }

    func answer(_ reply: ByteBuffer, requestID: UInt64) {
        // A request of a lost connection is not answered on another: its requester was told.
        readyHandler?.answer(reply, requestID: requestID)
        checkDrainProgress()
    }

    func subscriptionWantsMore(_ id: UInt32) {
        if let handler {
            handler.subscriptionWantsMore(id)
        } else {
            carried.subscriptions[id]?.isPaused = false
        }
    }

    func subscriptionEnded(_ id: UInt32) {
        if let handler {
            handler.subscriptionEnded(id)
        } else {
            carried.subscriptions[id] = nil
        }
        drain?.awaiting.remove(id)
        checkDrainProgress()
    }

    /// Closes the connection after a GOODBYE, or stops reconnecting; ``closed`` tells when done.
    func close() {
        guard !isClosing else { return }
        isClosing = true
        _ = reconnect.close()
        if let handler {
            handler.close()
        } else {
            finish(.closed)
        }
    }

    // MARK: Draining

    /// Stops new deliveries: every subscription and responder is unsubscribed, and its sequence
    /// ends after the messages and requests delivered before the broker processed that. `done`
    /// succeeds once their consumers have finished them and every request delivered has been
    /// answered (or the client ended).
    func drainSubscriptions(_ done: EventLoopPromise<Void>) {
        guard ended == nil, drain == nil else { return done.succeed() }
        for command in waiting {
            if case .subscribe = command { command.fail(TernClientError.closed) }
        }
        waiting.removeAll { if case .subscribe = $0 { true } else { false } }
        if let handler {
            drain = Drain(done: done, awaiting: Set(handler.subscriptionIDs))
            if handler.isReady { _ = handler.drainSubscriptions() }
        } else {
            drain = Drain(done: done, awaiting: Set(carried.subscriptions.keys))
            for subscription in carried.subscriptions.values {
                subscription.confirmation?.succeed()
                subscription.sink.finish()
            }
            carried.subscriptions = [:]
        }
        checkDrainProgress()
    }

    private func checkDrainProgress() {
        guard let drain, drain.awaiting.isEmpty, readyHandler?.hasUnansweredRequests != true else { return }
        drain.done.succeed()
    }
}
