import NIOCore
import TernProtocol

extension ConnectionHandler {
    /// Routes a REQUEST from this connection to one responder, or answers at once why it cannot:
    /// the checks of PROTOCOL.md section 8, in its order.
    func route(_ request: Frame.Request) {
        guard let handle else { return }
        if let (code, reason) = problem(with: request) {
            sendReply(Frame.Reply(requestID: request.requestID, code: code, payload: ByteBuffer(string: reason)))
            return
        }
        guard let responder = core.responders.responder(for: request.topic) else {
            if let routes = core.routes, routes.forward(request, from: handle) { return }
            core.statistics.requestWithoutResponders()
            sendReply(Frame.Reply(
                requestID: request.requestID, code: .noResponders, payload: ByteBuffer(string: "no responders on '\(request.topic)'")
            ))
            return
        }
        responder.connection.execute { $0.deliver(request, to: responder, from: handle) }
    }

    /// Why `request` cannot be routed: its topic, payload, headers or its topic's binding.
    private func problem(with request: Frame.Request) -> (ErrorCode, String)? {
        if let problem = TopicSyntax.problem(withTopic: request.topic, maxLength: Int(limits.maxTopicLength)) {
            return (.invalidTopic, problem)
        }
        if let (code, reason) = limits.problem(withPayloadLength: request.payload.readableBytes, headerBytes: request.headers.byteCount) {
            return (code, "topic '\(request.topic)': " + reason)
        }
        return core.registry.binding(forTopic: request.topic)?.problem(with: request.schema, payload: request.payload, topic: request.topic)
    }

    /// Hands a routed request to this connection's responder `subscriber`, read as the
    /// subscriber's schema version when it reads as one.
    func deliver(_ request: Frame.Request, to subscriber: Subscriber, from requester: any Requester) {
        guard let context, subscriber.isOpen else {
            requester.reroute(request)
            return
        }
        var readPayload: ReadPayload?
        if let readAs = subscriber.readAs {
            let besidesPayload = DeliveredFrameLength.incomingRequest(
                topic: request.topic, headers: request.headers, hasSchema: true, payloadLength: 0
            )
            switch read(request.payload, writtenWith: request.schema, as: readAs, besidesPayload: besidesPayload) {
            case .success(let payload):
                readPayload = payload
            case .failure(let unreadable):
                send(.dropNotice(Frame.DropNotice(subscriptionID: subscriber.subscriptionID, reason: .unreadable, count: 1)))
                flushIfNeeded()
                core.statistics.dropped(1, reason: .unreadable)
                let reply = Frame.Reply(
                    requestID: request.requestID, code: unreadable.code,
                    payload: ByteBuffer(string: "the responder reads as \(readAs) and cannot read this request: \(unreadable.reason)")
                )
                requester.receive(reply)
                return
            }
        }
        let milliseconds = request.timeoutMilliseconds == 0
            ? UInt32(clamping: core.configuration.requestTimeout.nanoseconds / 1_000_000) : request.timeoutMilliseconds
        let admitted = state.requests.admit(
            requestID: request.requestID, from: requester, deadline: context.eventLoop.now + .milliseconds(Int64(milliseconds)), timeoutMilliseconds: milliseconds
        )
        guard let id = admitted else {
            let refusal = Frame.Reply(
                requestID: request.requestID, code: .tooManyRequests, payload: ByteBuffer(string: "the responder has too many requests in flight")
            )
            requester.receive(refusal)
            return
        }
        armRequestTimer()
        core.statistics.requestRouted()
        send(.incomingRequest(Frame.IncomingRequest(
            subscriptionID: subscriber.subscriptionID, requestID: id, topic: request.topic,
            headers: request.headers, schema: readPayload.map(\.schema) ?? request.schema, payload: readPayload?.bytes ?? request.payload
        )))
        flushSoon()
    }

    /// Passes a responder's REPLY back to the requester of `request`.
    func forward(_ reply: Frame.Reply, of request: ConnectionStateMachine.Requests.Request) {
        core.statistics.requestAnswered()
        if let now = context?.eventLoop.now {
            let admittedAt = request.deadline - .milliseconds(Int64(request.timeoutMilliseconds))
            core.metrics.requestDuration.recordNanoseconds((now - admittedAt).nanoseconds)
        }
        let answer = Frame.Reply(requestID: request.requestID, code: reply.code, headers: reply.headers, schema: reply.schema, payload: reply.payload)
        let statistics = core.statistics
        request.requester.receive(answer, otherwise: { statistics.lateReplyDropped() })
    }

    /// Tells a responder its REPLY broke a limit, and the requester of `request` that its
    /// request failed for it.
    func refuseReply(_ error: Frame.Error, of request: ConnectionStateMachine.Requests.Request) {
        send(.error(error))
        fail(request, code: error.code, reason: "the responder's reply was refused: \(error.message)")
        flushIfNeeded()
    }

    /// Ends an in-flight request with an error for its requester.
    private func fail(_ request: ConnectionStateMachine.Requests.Request, code: ErrorCode, reason: String) {
        if code == .timeout { core.statistics.requestTimedOut() }
        request.requester.receive(Frame.Reply(requestID: request.requestID, code: code, payload: ByteBuffer(string: reason)))
    }

    /// Keeps the one timer of this connection's requests armed for the earliest deadline of
    /// those in flight. A timer armed for an earlier deadline (of a request answered since) is
    /// kept: it fires, finds nothing due and arms the next.
    private func armRequestTimer() {
        guard let context, let next = state.requests.nextDeadline() else { return }
        if let armed = requestTimer, armed.deadline <= next { return }
        requestTimer?.task.cancel()
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        requestTimer = (next, context.eventLoop.scheduleTask(deadline: next) { loopBoundSelf.value.requestTimerFired() })
    }

    private func requestTimerFired() {
        guard let context else { return }
        requestTimer = nil
        for request in state.requests.endExpired(at: context.eventLoop.now) {
            fail(request, code: .timeout, reason: "no reply within \(request.timeoutMilliseconds) ms")
        }
        armRequestTimer()
    }

    /// Fails every request in flight to this connection: it is going away.
    func failInFlightRequests() {
        requestTimer?.task.cancel()
        requestTimer = nil
        for request in state.requests.endAll() {
            core.statistics.requestLostItsResponder()
            fail(request, code: .responderGone, reason: "the responder disconnected")
        }
    }

    func sendReply(_ reply: Frame.Reply) {
        send(.reply(reply))
        flushSoon()
    }

}
