import NIOCore
import TernProtocol

extension ConnectionHandler {
    /// Routes a REQUEST from this connection to one responder, or answers `noResponders` at once.
    func route(_ request: Frame.Request) {
        guard let handle else { return }
        if let problem = TopicSyntax.problem(withTopic: request.topic, maxLength: Int(limits.maxTopicLength)) {
            sendReply(Frame.Reply(requestID: request.requestID, code: .invalidTopic, payload: ByteBuffer(string: problem)))
            return
        }
        if request.payload.readableBytes > limits.maxPayloadLength {
            let reason = "payload of \(request.payload.readableBytes) bytes exceeds the limit of \(limits.maxPayloadLength)"
            sendReply(Frame.Reply(requestID: request.requestID, code: .payloadTooLarge, payload: ByteBuffer(string: reason)))
            return
        }
        guard let responder = core.responders.responder(for: request.topic) else {
            core.statistics.requestWithoutResponders()
            sendReply(Frame.Reply(
                requestID: request.requestID, code: .noResponders, payload: ByteBuffer(string: "no responders on '\(request.topic)'")
            ))
            return
        }
        responder.connection.execute { $0.deliver(request, to: responder, from: handle) }
    }

    /// Hands a routed request to this connection's responder `subscriber`.
    func deliver(_ request: Frame.Request, to subscriber: Subscriber, from requester: ConnectionHandle) {
        guard let context, state.subscriptions.isOpen(subscriber, id: subscriber.subscriptionID) else {
            requester.execute { $0.route(request) }
            return
        }
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let milliseconds = request.timeoutMilliseconds == 0 ? Self.defaultRequestTimeoutMilliseconds : request.timeoutMilliseconds
        let admitted = state.requests.admit(requestID: request.requestID, from: requester) { id in
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                loopBoundSelf.value.fail(incomingRequest: id, code: .timeout, reason: "no reply within \(milliseconds) ms")
            }
        }
        guard let id = admitted else {
            requester.execute {
                $0.sendReply(Frame.Reply(requestID: request.requestID, code: .tooManyRequests, payload: ByteBuffer(string: "the responder has too many requests in flight")))
            }
            return
        }
        core.statistics.requestRouted()
        send(.incomingRequest(Frame.IncomingRequest(
            subscriptionID: subscriber.subscriptionID, requestID: id, topic: request.topic,
            headers: request.headers, schema: request.schema, payload: request.payload
        )))
        flushIfNeeded()
    }

    /// Passes a responder's REPLY back to the requester of `request`.
    func forward(_ reply: Frame.Reply, of request: ConnectionStateMachine.Requests.Request) {
        request.timeout.cancel()
        let answer = Frame.Reply(requestID: request.requestID, code: reply.code, headers: reply.headers, schema: reply.schema, payload: reply.payload)
        let statistics = core.statistics
        request.requester.execute({ $0.sendReply(answer) }, otherwise: { statistics.lateReplyDropped() })
    }

    /// Ends an in-flight request with an error for its requester.
    func fail(incomingRequest id: UInt64, code: ErrorCode, reason: String) {
        guard let request = state.requests.end(id) else { return }
        fail(request, code: code, reason: reason)
    }

    private func fail(_ request: ConnectionStateMachine.Requests.Request, code: ErrorCode, reason: String) {
        request.timeout.cancel()
        if code == .timeout { core.statistics.requestTimedOut() }
        let reply = Frame.Reply(requestID: request.requestID, code: code, payload: ByteBuffer(string: reason))
        request.requester.execute { $0.sendReply(reply) }
    }

    /// Fails every request in flight to this connection: it is going away.
    func failInFlightRequests() {
        for request in state.requests.endAll() {
            fail(request, code: .responderGone, reason: "the responder disconnected")
        }
    }

    func sendReply(_ reply: Frame.Reply) {
        send(.reply(reply))
        flushIfNeeded()
    }

    /// The timeout of a request that asks for the broker's default (a timeout of 0).
    static let defaultRequestTimeoutMilliseconds: UInt32 = 10_000
}
