import NIOCore
import TernProtocol

/// Everything one client connection decides, kept as one value: the protocol's lifecycle
/// (``ConnectionLifecycle``), what its user may do (``ConnectionAuthorization``), the publishes
/// it takes in (``PublishIntake``), its subscriptions
/// (``SubscriptionTable``), the PINGs that wait for topics (``FlushBarriers``), the requests its
/// responders hold (``InFlightRequests``), whether it may read (``ReadGate``), how much costly
/// work is left this turn (``WorkBudget``) and what it wrote (``WrittenMessages``).
///
/// ``ConnectionHandler`` calls one method per event, named after it, and carries out the action
/// that comes back; the machine itself does no I/O. Kept in one stored property of the handler,
/// it is mutated once per event.
struct ConnectionStateMachine {
    typealias Requests = InFlightRequests<any Requester, NIODeadline>

    /// What the handler does about a frame from the client.
    enum FrameAction {
        case none
        case sendWelcome(version: UInt16)
        /// Find out who the client is; frames after the HELLO wait until then.
        case authenticate(Frame.Hello)
        /// Send this ERROR; close after it when it says so.
        case sendError(Frame.Error)
        /// Tell the client its publish was refused: in its ACK, or in an ERROR when it asked for none.
        case refusePublish(PublishIntake.Refusal)
        /// Hand the publishes batched so far to their topics: this read goes to many of them.
        case handOffPublishes
        /// Answer the PING once the publishes before it reached their topics (see ``pingReceived(_:)``).
        case answerPing(Frame.Ping)
        /// Open the subscription (checked; the client's id is free).
        case openSubscription(Frame.Subscribe)
        /// The client closed this subscription.
        case closeSubscription(Subscriber)
        case routeRequest(Frame.Request)
        /// Pass a responder's REPLY back to the requester of `request`.
        case forwardReply(Frame.Reply, to: Requests.Request)
        /// A REPLY to a request no longer in flight (it timed out): dropped and counted.
        case dropLateReply(requestID: UInt64)
        /// A responder's REPLY broke a limit: tell the responder with the ERROR, and the requester
        /// of `request`, which has ended, with a REPLY of the same code.
        case refuseReply(Frame.Error, request: Requests.Request)
        case administer(Frame)
        /// Answer a request or a registry operation with this refusal: a REPLY or a REGISTRY_RESULT.
        case refuse(Frame)
        /// The client said GOODBYE: close once this read is processed.
        case closeAfterRead
    }

    private(set) var lifecycle = ConnectionLifecycle()
    /// What the client's user may do; `nil` when the broker has no users (or before the client
    /// is authenticated, when it may do nothing yet).
    private(set) var authorization: ConnectionAuthorization?
    var intake: PublishIntake
    var subscriptions: SubscriptionTable<Subscriber>
    var barriers = FlushBarriers<any EventLoop>()
    var requests: Requests
    var readGate = ReadGate()
    var budget = WorkBudget()
    var written = WrittenMessages()
    /// Subscriptions with queued messages that wait for the socket to become writable.
    var unwritableDrains: [ObjectIdentifier: Subscriber] = [:]
    /// Set once the input held something that is not a frame; the rest of it is ignored.
    private(set) var inputFailed = false
    /// Set by the client's GOODBYE: the rest of the current read is checked, then the connection closes.
    private(set) var closesAfterRead = false
    /// Whether the input since ``takeExpectsAnswer()`` held a request or a reply: then an
    /// answer, or the requester's next request, is likely to follow within moments. After
    /// publishes alone nothing is expected back.
    private var expectsAnswer = false

    /// How many topics one read's publishes may go to before they are handed off mid-read, each
    /// new topic being costly work.
    static let topicsPerHandOff = 256

    init(limits: Limits, maxInFlightRequests: Int) {
        intake = PublishIntake(limits: limits)
        subscriptions = SubscriptionTable(limits: limits)
        requests = InFlightRequests(limit: maxInFlightRequests)
    }

    var isReady: Bool { lifecycle.isReady }
    var isClosing: Bool { lifecycle.state == .closing }

    /// Whether the input since the last call held a request or a reply, for the loop to keep
    /// polling for what answers it (``InputPolling``).
    mutating func takeExpectsAnswer() -> Bool {
        defer { expectsAnswer = false }
        return expectsAnswer
    }

    // MARK: Frames from the client

    /// A PUBLISH arrived, nearly all the traffic: `nil` when it was taken in as it is.
    mutating func publishReceived(_ publish: consuming Frame.Publish) -> FrameAction? {
        guard lifecycle.workReceived() else { return frameReceived(.publish(publish), readAsProblem: { _ in nil }) }
        if let refusal = intake.accept(consume publish) { return .refusePublish(refusal) }
        return intake.batchedTopicCount > Self.topicsPerHandOff ? .handOffPublishes : nil
    }

    /// Any other frame arrived. `readAsProblem` tells why a subscription cannot read as a schema
    /// version, if it cannot.
    mutating func frameReceived(_ frame: Frame, readAsProblem: (SchemaReference) -> (ErrorCode, String)?) -> FrameAction {
        // The frames that do work skip the lifecycle's verdict once the connection is ready.
        if Self.isWork(frame), lifecycle.workReceived() {
            return process(frame, readAsProblem: readAsProblem)
        }
        switch lifecycle.frameReceived(frame) {
        case .none, .sendPing:
            return .none
        case .sendWelcome(let version):
            return .sendWelcome(version: version)
        case .authenticate(let hello):
            return .authenticate(hello)
        case .sendError(let error):
            return .sendError(error)
        case .sendPong(let ping):
            return .answerPing(ping)
        case .close:
            closesAfterRead = true
            return .closeAfterRead
        case .process(let frame):
            return process(frame, readAsProblem: readAsProblem)
        }
    }

    private static func isWork(_ frame: borrowing Frame) -> Bool {
        switch frame {
        case .publish, .subscribe, .unsubscribe, .request, .reply, .registerSchema, .getSchema, .listSchemas, .setCompatibility, .bindTopic, .checkSchema:
            true
        default:
            false
        }
    }

    private mutating func process(_ frame: Frame, readAsProblem: (SchemaReference) -> (ErrorCode, String)?) -> FrameAction {
        switch frame {
        case .publish(let publish):
            return intake.accept(publish).map(FrameAction.refusePublish) ?? .none
        case .subscribe(let subscribe):
            budget.spend(WorkBudget.subscriptionChange)
            if let (code, reason) = subscriptions.problem(with: subscribe, authorization: authorization, readAsProblem: readAsProblem) {
                return .sendError(Frame.Error(code: code, subject: .subscription, id: UInt64(subscribe.subscriptionID), message: reason, closesConnection: false))
            }
            return .openSubscription(subscribe)
        case .unsubscribe(let unsubscribe):
            budget.spend(WorkBudget.subscriptionChange)
            guard let subscriber = subscriptions.remove(id: unsubscribe.subscriptionID) else {
                return .sendError(Frame.Error(
                    code: .unknownSubscription, subject: .subscription, id: UInt64(unsubscribe.subscriptionID),
                    message: "no open subscription \(unsubscribe.subscriptionID)", closesConnection: false
                ))
            }
            return .closeSubscription(subscriber)
        case .request(let request):
            expectsAnswer = true
            // An invalid topic is the handler's to report, first (PROTOCOL.md section 8).
            if authorization != nil, TopicSyntax.problem(withTopic: request.topic, maxLength: Int(subscriptions.limits.maxTopicLength)) == nil,
                let refusal = authorization?.refusal(requesting: request.topic)
            {
                return .refuse(.reply(Frame.Reply(requestID: request.requestID, code: .permissionDenied, payload: ByteBuffer(string: refusal))))
            }
            return .routeRequest(request)
        case .reply(let reply):
            expectsAnswer = true
            guard let request = requests.end(reply.requestID) else {
                guard requests.wasIssued(reply.requestID) else {
                    return .sendError(Frame.Error(
                        code: .unknownRequest, subject: .request, id: reply.requestID,
                        message: "request \(reply.requestID) was never sent to this connection", closesConnection: false
                    ))
                }
                return .dropLateReply(requestID: reply.requestID)
            }
            let limits = subscriptions.limits
            if let (code, reason) = limits.problem(withPayloadLength: reply.payload.readableBytes, headerBytes: reply.headers.byteCount) {
                let error = Frame.Error(code: code, subject: .request, id: reply.requestID, message: "reply refused: " + reason, closesConnection: false)
                return .refuseReply(error, request: request)
            }
            return .forwardReply(reply, to: request)
        case .registerSchema, .getSchema, .listSchemas, .setCompatibility, .bindTopic, .checkSchema:
            budget.spend(WorkBudget.registryOperation)
            if let refusal = authorization?.refusal(administering: frame) { return .refuse(.registryResult(refusal)) }
            return .administer(frame)
        default:
            // Frames of features this server does not announce are answered like unknown types.
            return .sendError(Frame.Error(
                code: .unknownFrameType, id: UInt64(frame.type?.rawValue ?? 0),
                message: "\(frame.type.map { "\($0)" } ?? "this frame") is not supported by this server", closesConnection: false
            ))
        }
    }

    /// Bytes that are not a frame: report the decoding error and close.
    mutating func decodingFailed(_ error: FrameDecodingError) -> Frame.Error? {
        inputFailed = true
        guard case .sendError(let refusal) = lifecycle.decodingFailed(error) else { return nil }
        return refusal
    }

    // MARK: Authentication

    /// The client is `user` (`nil` on a broker without users, where it may do everything): what
    /// to send, WELCOME. The frames after its HELLO may go on.
    mutating func authenticated(as user: User?) -> FrameAction {
        authorization = user.map(ConnectionAuthorization.init)
        intake.publishTopics = authorization?.publishTopics
        guard case .sendWelcome(let version) = lifecycle.authenticated() else { return .none }
        return .sendWelcome(version: version)
    }

    /// The client could not prove who it is: the ERROR to close with, `authentication_failed`.
    mutating func authenticationFailed(_ reason: String) -> Frame.Error? {
        guard case .sendError(let error) = lifecycle.authenticationFailed(reason) else { return nil }
        return error
    }

    /// The user's permissions changed to `user`'s: the subscriptions they no longer allow are
    /// closed here and returned, each with the message that tells the client why.
    mutating func reauthorized(as user: User) -> [(Subscriber, String)] {
        let authorization = ConnectionAuthorization(user: user)
        self.authorization = authorization
        intake.publishTopics = authorization.publishTopics
        var ended: [(Subscriber, String)] = []
        for (id, subscriber) in subscriptions.byID.sorted(by: { $0.key < $1.key }) {
            if let refusal = authorization.refusal(subscribingTo: subscriber.pattern, responder: subscriber.isResponder), let removed = subscriptions.remove(id: id) {
                ended.append((removed, refusal))
            }
        }
        return ended
    }

    // MARK: Timers

    /// The deadline for TLS and HELLO has passed: the ERROR to close with, if still waiting.
    mutating func handshakeDeadlinePassed() -> Frame.Error? {
        guard case .sendError(let error) = lifecycle.handshakeDeadlinePassed() else { return nil }
        return error
    }

    /// The ping interval has passed: a PING to send, an ERROR to close with, or nothing.
    mutating func pingIntervalPassed() -> ConnectionLifecycle.Action {
        lifecycle.pingIntervalPassed()
    }

    // MARK: Flushing

    /// The PING's publishes were handed to their topics: answer now, or wait for those topics' loops.
    mutating func pingReceived(_ ping: Frame.Ping) -> FlushBarriers<any EventLoop>.PingOutcome {
        barriers.pingReceived(ping)
    }

    // MARK: Closing

    /// The connection is beyond the broker's connection limit: its HELLO will be refused.
    mutating func connectionLimitReached(maxConnections: Int) {
        lifecycle.connectionLimitReached(maxConnections: maxConnections)
    }

    /// The server closes the connection on its own account.
    mutating func closeRequested() {
        lifecycle.closeRequested()
    }
}
