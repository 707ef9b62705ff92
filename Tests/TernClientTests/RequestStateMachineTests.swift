import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Client requests and responders in the state machine")
struct RequestStateMachineTests {
    let loop = NIOAsyncTestingEventLoop()

    private func readyMachine() -> ConnectionStateMachine {
        .ready(on: loop)
    }

    private func pending(_ topic: String) -> PendingRequest {
        PendingRequest(topic: topic, promise: loop.makePromise(of: TernMessage.self), localTimeout: nil)
    }

    /// A responder subscription `id` on `machine`; keep the sequence alive while it is used.
    private func addResponder(id: UInt32, to machine: inout ConnectionStateMachine) -> TernResponder.Producer {
        let new = TernResponder.Queue.makeSequence(
            highWatermark: 8,
            delegate: SubscriptionDelegate(subscriptionID: id, eventLoop: loop, session: .makeEmptyBox(eventLoop: loop))
        )
        let confirmation = loop.makePromise(of: Void.self)
        _ = machine.subscribe(Frame.Subscribe(subscriptionID: id, pattern: "svc", isResponder: true), monitor: SubscriptionMonitor(pattern: "svc", onDropNotice: nil), sink: .requests(new.queue), confirmation: confirmation)
        confirmation.succeed()
        return new.sequence
    }

    private func finish(_ machine: inout ConnectionStateMachine) {
        machine.closeAndSettle()
    }

    @Test("a REPLY completes its request by id, in any order, with the request's topic")
    func repliesMatchById() async throws {
        var machine = readyMachine()
        let first = pending("a")
        let second = pending("b")
        let started = [machine.startRequest(id: 1, first), machine.startRequest(id: 2, second)]
        #expect(started == [true, true])
        guard case .completeRequest(let request, let reply) = machine.received(.reply(Frame.Reply(requestID: 2, payload: ByteBuffer(string: "two")))) else {
            Issue.record("the reply did not complete its request")
            return finish(&machine)
        }
        request.complete(with: reply)
        let answer = try await second.promise.futureResult.get()
        #expect(answer.topic == "b")
        #expect(answer.string == "two")
        guard case .none = machine.received(.reply(Frame.Reply(requestID: 2, payload: ByteBuffer()))) else {
            Issue.record("a second reply completed the request again")
            return finish(&machine)
        }
        finish(&machine)
        // Its outcome is unknown: whether the broker routed it cannot be told.
        await #expect(throws: TernClientError.connectionLost(reason: "the broker closed the connection")) {
            try await first.promise.futureResult.get()
        }
    }

    @Test("a request ended here (cancelled, timed out) ignores its late reply")
    func endedRequest() {
        var machine = readyMachine()
        let request = pending("a")
        let started = machine.startRequest(id: 7, request)
        #expect(started)
        machine.endRequest(id: 7)?.fail(CancellationError())
        let again = machine.endRequest(id: 7)
        #expect(again == nil)
        guard case .none = machine.received(.reply(Frame.Reply(requestID: 7, payload: ByteBuffer()))) else {
            Issue.record("a late reply was delivered")
            return finish(&machine)
        }
        finish(&machine)
    }

    @Test("no request starts on a closed connection")
    func closedConnection() {
        var machine = readyMachine()
        finish(&machine)
        let request = pending("a")
        let started = machine.startRequest(id: 1, request)
        #expect(!started)
        request.fail(TernClientError.closed)
    }

    @Test("failure codes become typed errors")
    func failureCodes() {
        func error(_ code: ErrorCode, _ message: String = "why") -> TernClientError {
            TernClientError(failedReply: Frame.Reply(requestID: 1, code: code, payload: ByteBuffer(string: message)), topic: "t")
        }
        #expect(error(.noResponders) == .noResponders(topic: "t"))
        #expect(error(.timeout) == .requestTimedOut(topic: "t"))
        #expect(error(.responderGone) == .responderGone(topic: "t"))
        #expect(error(.handlerFailed, "boom") == .handlerFailed(topic: "t", message: "boom"))
        #expect(error(.tooManyRequests, "busy") == .refused(code: .tooManyRequests, message: "busy"))
    }

    @Test("incoming requests reach their responder and are answered once")
    func incomingRequests() {
        var machine = readyMachine()
        let sequence = addResponder(id: 5, to: &machine)
        let incoming = Frame.IncomingRequest(subscriptionID: 5, requestID: 40, topic: "svc", payload: ByteBuffer(string: "q"))
        guard case .deliverRequest(_, let delivered, let id) = machine.received(.incomingRequest(incoming)) else {
            Issue.record("the request was not delivered")
            return finish(&machine)
        }
        #expect(id == 5)
        #expect(delivered == incoming)
        let answers = [machine.answer(requestID: 40), machine.answer(requestID: 40), machine.answer(requestID: 41)]
        #expect(answers == [true, false, false], "a delivered request is answered once")
        _ = sequence
        finish(&machine)
    }

    @Test("a request for a subscription that is gone is answered responder gone at once")
    func requestForEndedSubscription() {
        var machine = readyMachine()
        let incoming = Frame.IncomingRequest(subscriptionID: 9, requestID: 3, topic: "svc", payload: ByteBuffer())
        guard case .sendReply(let reply) = machine.received(.incomingRequest(incoming)) else {
            Issue.record("the request was not answered")
            return finish(&machine)
        }
        #expect(reply.requestID == 3)
        #expect(reply.code == .responderGone)
        finish(&machine)
    }

    @Test("a responder that ends answers the requests it did not, after its UNSUBSCRIBE")
    func endedResponder() {
        var machine = readyMachine()
        let sequence = addResponder(id: 5, to: &machine)
        for requestID: UInt64 in [1, 2, 3] {
            _ = machine.received(.incomingRequest(Frame.IncomingRequest(subscriptionID: 5, requestID: requestID, topic: "svc", payload: ByteBuffer())))
        }
        let answered = machine.answer(requestID: 2)
        #expect(answered)
        let frames = machine.subscriptionEnded(id: 5)
        #expect(frames.first == .unsubscribe(Frame.Unsubscribe(subscriptionID: 5)))
        let gone = frames.dropFirst().compactMap { frame -> UInt64? in
            guard case .reply(let reply) = frame, reply.code == .responderGone else { return nil }
            return reply.requestID
        }
        #expect(Set(gone) == [1, 3])
        #expect(frames.count == 3)
        let late = machine.answer(requestID: 1)
        #expect(!late, "a handler's late answer is not sent twice")
        _ = sequence
        finish(&machine)
    }

    @Test("timeouts become whole milliseconds, rounded up, at least 1")
    func timeoutMilliseconds() {
        #expect(TernClient.milliseconds(.seconds(2)) == 2000)
        #expect(TernClient.milliseconds(.microseconds(1500)) == 2)
        #expect(TernClient.milliseconds(.zero) == 1)
        #expect(TernClient.milliseconds(.seconds(-3)) == 1)
        #expect(TernClient.milliseconds(.seconds(Int64.max)) == UInt32.max)
    }
}
