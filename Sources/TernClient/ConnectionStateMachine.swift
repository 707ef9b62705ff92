import DequeModule
import NIOCore
import TernProtocol

/// The client side of one connection as a value: events in (frames received, commands from
/// the client, the channel closing), actions out. It owns the waiters (handshake, flushes,
/// acknowledgements, requests, registry operations), the open subscriptions and the requests
/// its responders have not answered yet; ``ConnectionHandler`` runs its actions.
///
/// A connection that replaces a lost one starts with the subscriptions the lost one carried
/// (``CarriedState``) and opens them again as soon as the broker welcomes it.
struct ConnectionStateMachine {
    typealias Source = TernSubscription.Queue

    enum State: Equatable {
        /// HELLO sent, waiting for WELCOME.
        case handshaking
        case ready
        /// The client said GOODBYE; waiting for the channel to close.
        case closing
        case closed
    }

    struct Subscription {
        /// What opens the subscription on a broker: sent again on each new connection.
        let subscribe: Frame.Subscribe
        let monitor: SubscriptionMonitor
        let sink: SubscriptionSink
        /// Completed when the broker has processed the SUBSCRIBE, failed when it refused it.
        var confirmation: EventLoopPromise<Void>?
        /// Whether the subscription's buffer is full, so the socket must not be read.
        var isPaused = false
        /// UNSUBSCRIBE was sent by a drain: the sequence ends once the broker has processed it.
        var isDraining = false
    }

    /// What a lost connection hands to the one that replaces it: the subscriptions to open
    /// again, and a publish failure the next flush still has to report.
    struct CarriedState {
        var subscriptions: [UInt32: Subscription] = [:]
        var unattributedPublishFailure: TernClientError?
    }

    /// What a PONG completes.
    enum PingPurpose {
        case flush(EventLoopPromise<Void>)
        case confirmSubscription(UInt32)
        /// Checks that a quiet broker is still there.
        case keepAlive
        /// Proves that the broker has processed a drain's UNSUBSCRIBEs.
        case drained
    }

    /// What the handler does when the keep-alive interval has passed.
    enum KeepAliveAction: Equatable {
        case none
        case sendPing(token: UInt64)
        /// The broker answered nothing: close at once, without waiting for it.
        case abort
    }

    /// What the handler does after a frame arrived.
    enum ReceiveAction {
        case none
        /// The broker welcomed the connection: send `resubscribe` (the carried subscriptions'
        /// SUBSCRIBEs and the PINGs that confirm them) before anything else.
        case completeHandshake(EventLoopPromise<Frame.Welcome>, Frame.Welcome, resubscribe: [Frame])
        case deliver(Source, TernMessage, subscriptionID: UInt32)
        case deliverRequest(TernResponder.Queue, Frame.IncomingRequest, subscriptionID: UInt32)
        case completeRequest(PendingRequest, Frame.Reply)
        /// A registry operation's answer: SCHEMA_INFO, SCHEMA_LIST_RESULT or a successful
        /// REGISTRY_RESULT.
        case completeOperation(EventLoopPromise<Frame>, Frame)
        case failOperation(EventLoopPromise<Frame>, TernClientError)
        /// Answer an incoming request no responder takes any more.
        case sendReply(Frame.Reply)
        case sendPong(token: UInt64)
        case succeed(EventLoopPromise<Void>)
        case fail(EventLoopPromise<Void>, TernClientError)
        case finishSubscription(SubscriptionSink, TernClientError, confirmation: EventLoopPromise<Void>?)
        case reportDrop(SubscriptionMonitor, TernDropNotice)
        /// The broker is in lame duck mode: it closes this connection within `duration`.
        case reportLameDuck(duration: Duration)
        /// The broker named addresses of itself and of other brokers to reconnect to.
        case learnServers([String])
        /// An error from the broker that belongs to no call.
        case reportError(TernClientError)
        /// The broker processed a drain's UNSUBSCRIBEs: end these sequences normally.
        case finishDrained([SubscriptionSink])
        /// Close the channel; ``connectionClosed()`` follows once it is closed.
        case close
    }

    private(set) var state: State = .handshaking
    private var handshake: EventLoopPromise<Frame.Welcome>?
    private var subscriptions: [UInt32: Subscription] = [:]
    private var pausedCount = 0
    private var pings: Deque<(token: UInt64, purpose: PingPurpose)> = []
    private var nextPingToken: UInt64 = 1
    private var acks: [UInt64: EventLoopPromise<Void>] = [:]
    /// The requests sent and not yet answered, by request id.
    private var requests: [UInt64: PendingRequest] = [:]
    /// The broker's ids of the requests delivered to a responder and not yet answered, with the
    /// responder subscription's id.
    private var unanswered: [UInt64: UInt32] = [:]
    /// The registry operations sent and not yet answered, by operation id.
    private var operations: [UInt64: EventLoopPromise<Frame>] = [:]
    /// A publish failure the broker reported without an ack id; the next flush throws it.
    private var unattributedPublishFailure: TernClientError?
    /// The first reason the connection ended, if not the client's own close.
    private var failure: TernClientError?
    /// Whether anything arrived from the broker since the keep-alive interval last passed.
    private var heardSinceLastTick = false
    /// Keep-alive PINGs sent since the broker last said anything.
    private var unansweredKeepAlives = 0

    /// A connection waiting for WELCOME, which opens `carried`'s subscriptions again.
    init(handshake: EventLoopPromise<Frame.Welcome>, carrying carried: CarriedState = CarriedState()) {
        self.handshake = handshake
        subscriptions = carried.subscriptions
        pausedCount = carried.subscriptions.values.count { $0.isPaused }
        unattributedPublishFailure = carried.unattributedPublishFailure
    }

    /// The error for a command that arrives when the connection is not open.
    var unavailableError: TernClientError {
        failure ?? .closed
    }

    /// Whether the socket may be read: during the handshake, and then while no subscription's
    /// buffer is full.
    var mayRead: Bool { pausedCount == 0 || state == .handshaking }

    /// The ids of the open subscriptions, responders included.
    var subscriptionIDs: [UInt32] { Array(subscriptions.keys) }

    /// Whether a request delivered to this connection's responders waits for its answer.
    var hasUnansweredRequests: Bool { !unanswered.isEmpty }

    // MARK: Frames from the broker

    /// Bytes arrived from the broker: it is alive.
    mutating func heardFromBroker() {
        heardSinceLastTick = true
    }

    /// The keep-alive interval passed: on a connection that heard nothing during it, a PING;
    /// after `maxUnanswered` of them in a row went unanswered, the connection is dead. A
    /// connection that holds its reads back (a subscription's buffer is full) cannot hear the
    /// broker and is not judged.
    mutating func keepAliveIntervalPassed(maxUnanswered: Int, interval: Duration) -> KeepAliveAction {
        guard state == .ready else { return .none }
        defer { heardSinceLastTick = false }
        guard !heardSinceLastTick, mayRead else {
            unansweredKeepAlives = 0
            return .none
        }
        guard unansweredKeepAlives < maxUnanswered else {
            failure = failure ?? .disconnected(
                code: nil, reason: "the broker answered nothing for \(interval * (maxUnanswered + 1)) (\(maxUnanswered) keep-alive pings)"
            )
            return .abort
        }
        unansweredKeepAlives += 1
        return .sendPing(token: registerPing(.keepAlive))
    }

    mutating func received(_ frame: Frame) -> ReceiveAction {
        switch frame {
        case .message(let message):
            guard case .messages(let source) = subscriptions[message.subscriptionID]?.sink else {
                // Messages sent before the broker processed an UNSUBSCRIBE.
                return .none
            }
            return .deliver(source, TernMessage(message), subscriptionID: message.subscriptionID)
        case .incomingRequest(let request):
            return receivedIncomingRequest(request)
        case .reply(let reply):
            guard let pending = requests.removeValue(forKey: reply.requestID) else {
                // The request was cancelled or timed out here first.
                return .none
            }
            return .completeRequest(pending, reply)
        case .welcome(let welcome):
            guard state == .handshaking, let handshake else {
                return protocolViolation("WELCOME after the handshake")
            }
            self.handshake = nil
            state = .ready
            return .completeHandshake(handshake, welcome, resubscribe: resubscription())
        case .ping(let ping):
            return state == .closed ? .none : .sendPong(token: ping.token)
        case .pong(let pong):
            return receivedPong(token: pong.token)
        case .ack(let ack):
            guard let promise = acks.removeValue(forKey: ack.ackID) else { return .none }
            return ack.code == .ok ? .succeed(promise) : .fail(promise, .refusal(code: ack.code, message: ack.message, otherwise: TernClientError.refused))
        case .error(let error):
            return receivedError(error)
        case .dropNotice(let notice):
            guard let subscription = subscriptions[notice.subscriptionID] else { return .none }
            let report = TernDropNotice(pattern: subscription.monitor.pattern, reason: TernDropNotice.Reason(notice.reason), count: notice.count)
            return .reportDrop(subscription.monitor, report)
        case .goodbye(let goodbye):
            if failure == nil && state != .closing {
                let reason = goodbye.message.isEmpty ? "the broker said goodbye" : goodbye.message
                failure = .disconnected(code: goodbye.code == .ok ? nil : goodbye.code, reason: reason)
            }
            return .close
        case .lameDuck(let lameDuck):
            return state == .ready ? .reportLameDuck(duration: .milliseconds(lameDuck.durationMilliseconds)) : .none
        case .servers(let servers):
            return .learnServers(servers.addresses)
        case .registryResult(let result):
            guard let promise = operations.removeValue(forKey: result.operationID) else { return .none }
            return result.code == .ok ? .completeOperation(promise, frame)
                : .failOperation(promise, .refusal(code: result.code, message: result.message, otherwise: TernClientError.registry))
        case .schemaInfo(let info):
            return completeOperation(id: info.operationID, with: frame)
        case .schemaList(let list):
            return completeOperation(id: list.operationID, with: frame)
        case .unknown:
            // Frames of later protocol features and unknown frame types are skipped.
            return .none
        case .hello, .publish, .subscribe, .unsubscribe, .request, .registerSchema, .getSchema,
            .listSchemas, .setCompatibility, .bindTopic, .checkSchema:
            return protocolViolation("a client-to-server frame (\(frame.type.map { "\($0)" } ?? "unknown"))")
        }
    }

    private mutating func receivedPong(token: UInt64) -> ReceiveAction {
        guard let first = pings.first, first.token == token else {
            return protocolViolation("PONG with unexpected token \(token)")
        }
        pings.removeFirst()
        switch first.purpose {
        case .flush(let promise):
            if let publishFailure = unattributedPublishFailure {
                unattributedPublishFailure = nil
                return .fail(promise, publishFailure)
            }
            return .succeed(promise)
        case .confirmSubscription(let id):
            guard let confirmation = subscriptions[id]?.confirmation else { return .none }
            subscriptions[id]?.confirmation = nil
            return .succeed(confirmation)
        case .keepAlive:
            return .none
        case .drained:
            var sinks: [SubscriptionSink] = []
            for (id, subscription) in subscriptions where subscription.isDraining {
                _ = removeSubscription(id)
                sinks.append(subscription.sink)
            }
            return .finishDrained(sinks)
        }
    }

    private mutating func completeOperation(id: UInt64, with frame: Frame) -> ReceiveAction {
        guard let promise = operations.removeValue(forKey: id) else { return .none }
        return .completeOperation(promise, frame)
    }

    private mutating func receivedIncomingRequest(_ request: Frame.IncomingRequest) -> ReceiveAction {
        guard state == .ready else { return .none }
        guard case .requests(let source) = subscriptions[request.subscriptionID]?.sink else {
            // Sent before the broker processed an UNSUBSCRIBE: nobody here will answer it.
            return .sendReply(.responderStopped(requestID: request.requestID))
        }
        unanswered[request.requestID] = request.subscriptionID
        return .deliverRequest(source, request, subscriptionID: request.subscriptionID)
    }

    private mutating func receivedError(_ error: Frame.Error) -> ReceiveAction {
        let refusal = TernClientError.refusal(code: error.code, message: error.message, otherwise: TernClientError.refused)
        if error.closesConnection {
            if failure == nil {
                failure = state == .handshaking || error.code == .authenticationFailed
                    ? refusal : .disconnected(code: error.code, reason: error.message)
            }
            return .close
        }
        switch error.subject {
        case .subscription:
            guard let id = UInt32(exactly: error.id), let subscription = removeSubscription(id) else { return .none }
            return .finishSubscription(subscription.sink, refusal, confirmation: subscription.confirmation)
        case .publish:
            if let promise = acks.removeValue(forKey: error.id) {
                return .fail(promise, refusal)
            }
            unattributedPublishFailure = refusal
            return .reportError(refusal)
        case .registry:
            guard let promise = operations.removeValue(forKey: error.id) else { return .none }
            return .failOperation(promise, .refusal(code: error.code, message: error.message, otherwise: TernClientError.registry))
        case .connection, .request:
            return .reportError(refusal)
        }
    }

    private mutating func protocolViolation(_ reason: String) -> ReceiveAction {
        if failure == nil {
            failure = .protocolViolation(reason: reason)
        }
        return .close
    }

    /// The received bytes are not a frame.
    mutating func decodingFailed(_ error: any Error) -> ReceiveAction {
        protocolViolation("\(error)")
    }

    /// The channel reported an error (TLS, I/O); the handler closes it.
    mutating func channelFailed(_ error: TernClientError) {
        if failure == nil && state != .closing {
            failure = error
        }
    }

    /// The handshake took too long.
    mutating func handshakeTimedOut() -> Bool {
        guard state == .handshaking else { return false }
        failure = failure ?? .timeout
        return true
    }

    // MARK: Commands from the client

    /// Registers a subscription: the token of the PING that confirms it, or `nil` when the
    /// connection is not open.
    mutating func subscribe(_ subscribe: Frame.Subscribe, monitor: SubscriptionMonitor, sink: SubscriptionSink, confirmation: EventLoopPromise<Void>) -> UInt64? {
        guard state == .ready else { return nil }
        let id = subscribe.subscriptionID
        subscriptions[id] = Subscription(subscribe: subscribe, monitor: monitor, sink: sink, confirmation: confirmation)
        return registerPing(.confirmSubscription(id))
    }

    /// The frames that open the carried subscriptions on a new connection, in the order they
    /// were first opened: each SUBSCRIBE, then a PING for each one still unconfirmed.
    private mutating func resubscription() -> [Frame] {
        let ids = subscriptions.keys.sorted()
        var frames = ids.compactMap { subscriptions[$0].map { Frame.subscribe($0.subscribe) } }
        for id in ids where subscriptions[id]?.confirmation != nil {
            frames.append(.ping(Frame.Ping(token: registerPing(.confirmSubscription(id)))))
        }
        return frames
    }

    /// A drain begins: an UNSUBSCRIBE for each subscription and a PING after them, whose PONG
    /// ends their sequences (messages sent before the broker processed the UNSUBSCRIBE are
    /// still delivered). Empty when nothing is subscribed or the connection is not open.
    mutating func drainSubscriptions() -> [Frame] {
        guard state == .ready else { return [] }
        var frames: [Frame] = []
        for id in subscriptions.keys.sorted() where subscriptions[id]?.isDraining == false {
            subscriptions[id]?.isDraining = true
            frames.append(.unsubscribe(Frame.Unsubscribe(subscriptionID: id)))
        }
        guard !frames.isEmpty else { return [] }
        frames.append(.ping(Frame.Ping(token: registerPing(.drained))))
        return frames
    }

    /// The subscription's consumer is gone: the frames to send, an UNSUBSCRIBE (unless a drain
    /// sent it) and, for a responder, a ``ErrorCode/responderGone`` REPLY to each request it did
    /// not answer.
    mutating func subscriptionEnded(id: UInt32) -> [Frame] {
        guard let subscription = removeSubscription(id), state == .ready else { return [] }
        var frames: [Frame] = subscription.isDraining ? [] : [.unsubscribe(Frame.Unsubscribe(subscriptionID: id))]
        for requestID in unanswered.filter({ $0.value == id }).keys {
            unanswered[requestID] = nil
            frames.append(.reply(.responderStopped(requestID: requestID)))
        }
        return frames
    }

    /// The subscription's buffer reached its high watermark.
    mutating func pause(subscriptionID id: UInt32) {
        guard subscriptions[id]?.isPaused == false else { return }
        subscriptions[id]?.isPaused = true
        pausedCount += 1
    }

    /// The subscription's buffer is down to its low watermark; `true` when reading may resume.
    mutating func resume(subscriptionID id: UInt32) -> Bool {
        guard subscriptions[id]?.isPaused == true else { return false }
        subscriptions[id]?.isPaused = false
        pausedCount -= 1
        return pausedCount == 0
    }

    /// A flush: the token of the PING to send, or `nil` when the connection is not open.
    mutating func flush(_ promise: EventLoopPromise<Void>) -> UInt64? {
        guard state == .ready else { return nil }
        return registerPing(.flush(promise))
    }

    /// Registers the waiter of an acknowledged publish; `false` when the connection is not open.
    mutating func expectAck(id: UInt64, promise: EventLoopPromise<Void>) -> Bool {
        guard state == .ready else { return false }
        acks[id] = promise
        return true
    }

    /// Registers a request about to be sent; `false` when the connection is not open.
    mutating func startRequest(id: UInt64, _ request: PendingRequest) -> Bool {
        guard state == .ready else { return false }
        requests[id] = request
        return true
    }

    /// How many requests wait for their replies.
    var pendingRequestCount: Int { requests.count }

    /// Forgets a request that was cancelled or timed out here; the request, if it was pending.
    mutating func endRequest(id: UInt64) -> PendingRequest? {
        requests.removeValue(forKey: id)
    }

    /// Registers a registry operation about to be sent; `false` when the connection is not open.
    mutating func startOperation(id: UInt64, promise: EventLoopPromise<Frame>) -> Bool {
        guard state == .ready else { return false }
        operations[id] = promise
        return true
    }

    /// A responder answers the broker's request `id`; `true` when its REPLY must be sent, `false`
    /// when the request was already answered or the connection is not open.
    mutating func answer(requestID id: UInt64) -> Bool {
        unanswered.removeValue(forKey: id) != nil && state == .ready
    }

    /// The client closes; `true` when a GOODBYE must be sent first.
    mutating func close() -> Bool {
        switch state {
        case .handshaking, .ready:
            state = .closing
            return true
        case .closing, .closed:
            return false
        }
    }

    /// The channel closed: what the connection still owed, which
    /// ``CloseActions/complete(reconnecting:)`` settles.
    mutating func connectionClosed() -> CloseActions {
        let clientClosed = state == .closing && failure == nil
        let error = failure ?? (
            clientClosed ? .closed
                : state == .handshaking ? .connectionFailed(reason: "the broker closed the connection during the handshake")
                : .disconnected(code: nil, reason: "the broker closed the connection")
        )
        state = .closed
        // Calls made from now on fail with the same reason.
        failure = error
        var actions = CloseActions(handshake: handshake, error: error)
        handshake = nil
        for (_, purpose) in pings {
            if case .flush(let promise) = purpose { actions.flushes.append(promise) }
        }
        pings.removeAll()
        actions.acks = Array(acks.values)
        acks.removeAll()
        actions.requests = Array(requests.values)
        requests.removeAll()
        actions.operations = Array(operations.values)
        operations.removeAll()
        unanswered.removeAll()
        actions.subscriptions = subscriptions
        subscriptions.removeAll()
        pausedCount = 0
        actions.unattributedPublishFailure = unattributedPublishFailure
        unattributedPublishFailure = nil
        return actions
    }

    private mutating func registerPing(_ purpose: PingPurpose) -> UInt64 {
        let token = nextPingToken
        nextPingToken &+= 1
        pings.append((token, purpose))
        return token
    }

    private mutating func removeSubscription(_ id: UInt32) -> Subscription? {
        guard let subscription = subscriptions.removeValue(forKey: id) else { return nil }
        if subscription.isPaused { pausedCount -= 1 }
        return subscription
    }
}
