import NIOCore
import TernProtocol

extension TernClient {
    /// How long after a request's timeout the client gives up on its own, in case the broker's
    /// timeout REPLY never comes.
    static let localTimeoutGrace: TimeAmount = .milliseconds(500)

    /// Sends `payload` to one responder on `topic` and returns its reply.
    ///
    /// The broker picks one of the topic's responders (spreading requests over them) and relays
    /// its reply; the reply's ``TernMessage/topic`` is `topic`. Many requests may be in flight on
    /// one client at once. Cancelling the calling task stops waiting; a reply that comes later
    /// is ignored.
    ///
    /// - Parameter timeout: How long the broker waits for the responder (at least 1 ms). Should
    ///   the broker's answer not come shortly after it, the client gives up on its own.
    /// - Throws: ``TernClientError/noResponders(topic:)`` at once when no responder is
    ///   registered for `topic`, ``TernClientError/requestTimedOut(topic:)``,
    ///   ``TernClientError/responderGone(topic:)`` at once when the responder disconnects first,
    ///   ``TernClientError/handlerFailed(topic:message:)`` when its handler throws,
    ///   ``TernClientError/refused(code:message:)`` for other refusals (for example
    ///   ``ErrorCode/tooManyRequests``), and the errors of an invalid topic, headers or payload.
    public func request(_ payload: ByteBuffer, to topic: String, headers: Headers = [:], timeout: Duration = .seconds(2)) async throws -> TernMessage {
        try checkPayloadSize(payload.readableBytes)
        return try await request(to: topic, headers: headers, timeout: timeout) { $0.writeImmutableBuffer(payload) }
    }

    /// Sends the UTF-8 bytes of `payload` as a request; see ``request(_:to:headers:timeout:)-(ByteBuffer,_,_,_)``.
    public func request(_ payload: String, to topic: String, headers: Headers = [:], timeout: Duration = .seconds(2)) async throws -> TernMessage {
        try checkPayloadSize(payload.utf8.count)
        return try await request(to: topic, headers: headers, timeout: timeout) { $0.writeString(payload) }
    }

    /// Sends the bytes of `payload` as a request; see ``request(_:to:headers:timeout:)-(ByteBuffer,_,_,_)``.
    public func request(_ payload: some Sequence<UInt8>, to topic: String, headers: Headers = [:], timeout: Duration = .seconds(2)) async throws -> TernMessage {
        try await request(to: topic, headers: headers, timeout: timeout) { $0.writeBytes(payload) }
    }

    private func request(
        to topic: String, headers: Headers, timeout: Duration, writePayload: (inout ByteBuffer) -> Void
    ) async throws -> TernMessage {
        guard let tracing else { return try await send(to: topic, headers: headers, timeout: timeout, writePayload: writePayload) }
        return try await tracing.traced("request", kind: .client, topic: topic, headers: headers) { headers in
            try await send(to: topic, headers: headers, timeout: timeout, writePayload: writePayload)
        }
    }

    private func send(
        to topic: String, headers: Headers, timeout: Duration, writePayload: (inout ByteBuffer) -> Void
    ) async throws -> TernMessage {
        try Task.checkCancellation()
        try checkRequestReplySupport()
        let id = nextRequestID.wrappingIncrementThenLoad(ordering: .relaxed)
        let milliseconds = Self.milliseconds(timeout)
        var frame = ByteBuffer()
        try encoding.appendRequest(
            to: &frame, id: id, topic: topic, timeoutMilliseconds: milliseconds, headers: headers, writePayload: writePayload
        )
        let promise = eventLoop.makePromise(of: TernMessage.self)
        let (session, eventLoop, encodedFrame) = (self.session, self.eventLoop, frame)
        let localTimeout = TimeAmount.milliseconds(Int64(milliseconds)) + Self.localTimeoutGrace
        onEventLoop {
            guard let session = session.value else { return promise.fail(TernClientError.closed) }
            session.request(encodedFrame, id: id, topic: topic, localTimeout: localTimeout, promise: promise)
        }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            eventLoop.execute { session.value?.abandonRequest(id: id, with: CancellationError()) }
        }
    }

    /// Throws when the broker did not announce request/reply: a client must not use it then.
    func checkRequestReplySupport() throws {
        guard serverInfo.features.contains(.requestReply) else {
            throw TernClientError.refused(code: .unknownFrameType, message: "the broker does not support request/reply")
        }
    }

    /// `timeout` in whole milliseconds, rounded up, within 1 ms … `UInt32.max` ms.
    static func milliseconds(_ timeout: Duration) -> UInt32 {
        let (seconds, attoseconds) = timeout.components
        guard seconds >= 0, attoseconds >= 0 else { return 1 }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let fraction = (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow, whole + fraction <= UInt32.max else { return .max }
        return UInt32(max(whole + fraction, 1))
    }
}
