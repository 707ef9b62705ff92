import NIOCore
import TernProtocol

extension TernClient {
    /// Answers the requests on the topics matching `pattern` with `handler`, until the calling
    /// task is cancelled or the client is closed.
    ///
    /// ```swift
    /// try await client.respond(on: "pricing.quote") { request in
    ///     TernReply("\(try price(for: request.string))")
    /// }
    /// ```
    ///
    /// The broker gives each request to exactly one of the topic's responders, on any
    /// connection, in turn. To know when the responder is registered, use
    /// ``makeResponder(on:)`` and then ``TernResponder/run(maxConcurrentHandlers:_:)``, which
    /// this method combines; see there for how handlers run.
    ///
    /// - Throws: ``TernClientError/invalidTopic(reason:)`` for a malformed pattern,
    ///   ``TernClientError/refused(code:message:)`` when the broker refuses the subscription, and
    ///   the connection's error when it fails.
    public func respond(
        on pattern: String,
        maxConcurrentHandlers: Int = TernResponder.defaultMaxConcurrentHandlers,
        _ handler: @escaping @Sendable (TernRequest) async throws -> TernReply
    ) async throws {
        try await makeResponder(on: pattern).run(maxConcurrentHandlers: maxConcurrentHandlers, handler)
    }

    /// Registers a responder for the topics matching `pattern` (`*` matches one token, a final
    /// `>` one or more) and returns once the broker has registered it; requests then wait for
    /// ``TernResponder/run(maxConcurrentHandlers:_:)``.
    ///
    /// - Throws: ``TernClientError/invalidTopic(reason:)`` for a malformed pattern,
    ///   ``TernClientError/refused(code:message:)`` when the broker refuses the subscription.
    public func makeResponder(on pattern: String) async throws -> TernResponder {
        try checkRequestReplySupport()
        let monitor = SubscriptionMonitor(pattern: pattern, onDropNotice: nil)
        let producer: TernResponder.Producer = try await open(
            pattern: pattern, queueGroup: nil, isResponder: true, monitor: monitor, sink: SubscriptionSink.requests
        )
        return TernResponder(pattern: pattern, producer: producer, client: self)
    }

    /// Runs `handler` for one incoming request and sends its reply, or the failure it threw.
    func answer(_ incoming: Frame.IncomingRequest, with handler: @Sendable (TernRequest) async throws -> TernReply) async {
        var request = TernRequest(topic: incoming.topic, headers: incoming.headers, payload: incoming.payload, schema: incoming.schema)
        let reply: Frame.Reply
        do {
            let answer = if let tracing {
                try await tracing.respond(on: request.topic, headers: request.headers) { context in
                    request.serviceContext = context
                    return try await handler(request)
                }
            } else {
                try await handler(request)
            }
            reply = Frame.Reply(requestID: incoming.requestID, headers: answer.headers, payload: answer.payload)
        } catch where Task.isCancelled {
            reply = .responderStopped(requestID: incoming.requestID)
        } catch {
            reply = Frame.Reply(requestID: incoming.requestID, code: .handlerFailed, payload: ByteBuffer(string: "\(error)"))
        }
        let encoded = encoding.encode(reply)
        let (session, id) = (self.session, incoming.requestID)
        onEventLoop { session.value?.answer(encoded, requestID: id) }
    }
}
