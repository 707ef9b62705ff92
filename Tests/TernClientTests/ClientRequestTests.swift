import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Client handler: requests and replies", .timeLimit(.minutes(1)))
struct ClientRequestTests {
    @Test("request sends REQUEST with the topic, timeout, headers and payload; the REPLY is its answer")
    func request() async throws {
        try await BrokerEnd.withClient { client, broker in
            let requesting = Task { try await client.request("pizza", to: "pricing.quote", headers: ["size": "L"], timeout: .milliseconds(1500)) }
            let request = Frame.Request(requestID: 1, topic: "pricing.quote", timeoutMilliseconds: 1500, headers: ["size": "L"], payload: ByteBuffer(string: "pizza"))
            #expect(try await broker.nextFrame() == .request(request))
            try await broker.send(.reply(Frame.Reply(requestID: 1, headers: ["currency": "EUR"], payload: ByteBuffer(string: "12"))))
            #expect(try await requesting.value == TernMessage(topic: "pricing.quote", headers: ["currency": "EUR"], payload: ByteBuffer(string: "12")))
        }
    }

    @Test("a REPLY with a code fails the request with the client's error for it", arguments: [
        (ErrorCode.noResponders, "", TernClientError.noResponders(topic: "svc")),
        (.timeout, "", .requestTimedOut(topic: "svc")),
        (.responderGone, "gone", .responderGone(topic: "svc")),
        (.handlerFailed, "no price for that", .handlerFailed(topic: "svc", message: "no price for that")),
        (.tooManyRequests, "slow down", .refused(code: .tooManyRequests, message: "slow down")),
    ])
    func failedReply(code: ErrorCode, message: String, expected: TernClientError) async throws {
        try await BrokerEnd.withClient { client, broker in
            let requesting = Task { try await client.request("x", to: "svc") }
            let frame = try await broker.nextFrame()
            guard case .request(let request) = frame else { throw UnexpectedFrame(frame: frame) }
            try await broker.send(.reply(Frame.Reply(requestID: request.requestID, code: code, payload: ByteBuffer(string: message))))
            await #expect(throws: expected) { try await requesting.value }
        }
    }

    @Test("with no REPLY at all, the request fails on its own shortly after its timeout; a late REPLY is ignored")
    func localTimeout() async throws {
        try await BrokerEnd.withClient { client, broker in
            let requesting = Task { try await client.request("x", to: "svc", timeout: .seconds(1)) }
            let frame = try await broker.nextFrame()
            guard case .request(let request) = frame else { throw UnexpectedFrame(frame: frame) }
            await broker.advanceTime(by: .seconds(1) + .milliseconds(500))
            await #expect(throws: TernClientError.requestTimedOut(topic: "svc")) { try await requesting.value }
            try await broker.send(.reply(Frame.Reply(requestID: request.requestID, payload: ByteBuffer(string: "late"))))
            try await broker.flush(client)
        }
    }

    @Test("cancelling the requesting task ends the wait; a later REPLY is ignored")
    func cancelled() async throws {
        try await BrokerEnd.withClient { client, broker in
            let requesting = Task { try await client.request("x", to: "svc") }
            let frame = try await broker.nextFrame()
            guard case .request(let request) = frame else { throw UnexpectedFrame(frame: frame) }
            requesting.cancel()
            await #expect(throws: CancellationError.self) { try await requesting.value }
            try await broker.send(.reply(Frame.Reply(requestID: request.requestID, payload: ByteBuffer())))
            try await broker.expectNothingWritten()
        }
    }

    @Test("a broker that did not announce request/reply is not sent requests or responders")
    func notSupported() async throws {
        var welcome = BrokerEnd.welcome
        welcome.features = [.acknowledgements]
        try await BrokerEnd.withClient(welcome: welcome) { client, broker in
            let refusal = TernClientError.refused(code: .unknownFrameType, message: "the broker does not support request/reply")
            await #expect(throws: refusal) { try await client.request("x", to: "svc") }
            await #expect(throws: refusal) { try await client.makeResponder(on: "svc") }
            try await broker.expectNothingWritten()
        }
    }
}

@Suite("Client handler: responders", .timeLimit(.minutes(1)))
struct ClientResponderTests {
    struct NoPrice: Error, CustomStringConvertible {
        var description: String { "no price for that" }
    }

    /// Registers a responder on `pattern`, confirmed; returns it and its subscription id.
    private func makeResponder(_ client: TernClient, on pattern: String, broker: inout BrokerEnd) async throws -> (TernResponder, UInt32) {
        let (responder, subscribe) = try await broker.confirmSubscription { try await client.makeResponder(on: pattern) }
        #expect(subscribe.pattern == pattern && subscribe.isResponder)
        return (responder, subscribe.subscriptionID)
    }

    @Test("each INCOMING_REQUEST is answered with a REPLY to its id: the handler's reply, or the error it threw")
    func answers() async throws {
        try await BrokerEnd.withClient { client, broker in
            let (responder, id) = try await makeResponder(client, on: "pricing.*", broker: &broker)
            let running = Task {
                try await responder.run { request in
                    guard request.string != "caviar" else { throw NoPrice() }
                    return TernReply("\(request.topic): \(request.string)", headers: request.headers)
                }
            }
            try await broker.send(.incomingRequest(Frame.IncomingRequest(
                subscriptionID: id, requestID: 40, topic: "pricing.eu", headers: ["size": "L"], payload: ByteBuffer(string: "pizza")
            )))
            #expect(try await broker.nextFrame() == .reply(Frame.Reply(requestID: 40, headers: ["size": "L"], payload: ByteBuffer(string: "pricing.eu: pizza"))))
            try await broker.send(.incomingRequest(Frame.IncomingRequest(subscriptionID: id, requestID: 41, topic: "pricing.eu", payload: ByteBuffer(string: "caviar"))))
            #expect(try await broker.nextFrame() == .reply(Frame.Reply(requestID: 41, code: .handlerFailed, payload: ByteBuffer(string: "no price for that"))))
            running.cancel()
            try await running.value
            #expect(try await broker.nextFrame() == .unsubscribe(Frame.Unsubscribe(subscriptionID: id)))
        }
    }

    @Test("a responder stopped while handling a request unsubscribes and answers the request with responderGone, once")
    func stoppedWhileHandling() async throws {
        try await BrokerEnd.withClient { client, broker in
            let (responder, id) = try await makeResponder(client, on: "slow", broker: &broker)
            let (started, handlerStarted) = AsyncStream.makeStream(of: Void.self)
            let (untilCancelled, neverYields) = AsyncStream.makeStream(of: Void.self)
            let running = Task {
                try await responder.run { _ in
                    handlerStarted.yield()
                    for await _ in untilCancelled {}
                    throw CancellationError()
                }
            }
            try await broker.send(.incomingRequest(Frame.IncomingRequest(subscriptionID: id, requestID: 7, topic: "slow", payload: ByteBuffer())))
            for await _ in started { break }
            running.cancel()
            try await running.value
            // The handler's answer and the end of the subscription race; whichever comes first answers.
            let written: Set = [try await broker.nextFrame(), try await broker.nextFrame()]
            #expect(written == [.reply(.responderStopped(requestID: 7)), .unsubscribe(Frame.Unsubscribe(subscriptionID: id))])
            try await broker.expectNothingWritten()
            neverYields.finish()
        }
    }

    @Test("an INCOMING_REQUEST for no responder of this client is answered with responderGone at once")
    func noSuchResponder() async throws {
        try await BrokerEnd.withClient { client, broker in
            try await broker.send(.incomingRequest(Frame.IncomingRequest(subscriptionID: 9, requestID: 3, topic: "svc", payload: ByteBuffer())))
            #expect(try await broker.nextFrame() == .reply(Frame.Reply(requestID: 3, code: .responderGone, payload: ByteBuffer(string: "the responder stopped"))))
        }
    }
}
