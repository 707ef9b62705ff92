import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Client connection state machine")
struct ConnectionStateMachineTests {
    let loop = NIOAsyncTestingEventLoop()
    let welcome = Frame.Welcome(version: 1, serverID: "test", limits: .defaults, features: [], pingIntervalMilliseconds: 0)

    private func readyMachine() -> ConnectionStateMachine {
        .ready(on: loop)
    }

    private func makeSource(id: UInt32) -> (ConnectionStateMachine.Source, TernSubscription.Producer) {
        let new = TernSubscription.Queue.makeSequence(
            highWatermark: 2,
            delegate: SubscriptionDelegate(subscriptionID: id, eventLoop: loop, session: .makeEmptyBox(eventLoop: loop))
        )
        return (new.queue, new.sequence)
    }

    /// Ends the connection and completes whatever it still owed.
    private func finish(_ machine: inout ConnectionStateMachine) {
        machine.closeAndSettle()
    }

    @Test("WELCOME completes the handshake; a second one is a protocol violation")
    func handshake() {
        var machine = readyMachine()
        #expect(machine.state == .ready)
        guard case .close = machine.received(.welcome(welcome)) else {
            Issue.record("a second WELCOME was accepted")
            return
        }
        guard case .protocolViolation = machine.unavailableError else {
            Issue.record("expected a protocol violation, got \(machine.unavailableError)")
            return
        }
        finish(&machine)
    }

    @Test("an ERROR that closes during the handshake refuses the connection")
    func refusedHandshake() async throws {
        let handshake = loop.makePromise(of: Frame.Welcome.self)
        var machine = ConnectionStateMachine(handshake: handshake)
        let error = ProtocolVersion.unsupportedVersionError(clientMin: 2, clientMax: 2)
        guard case .close = machine.received(.error(error)) else {
            Issue.record("the error did not close the connection")
            return
        }
        finish(&machine)
        await #expect(throws: TernClientError.refused(code: .unsupportedVersion, message: error.message)) {
            try await handshake.futureResult.get()
        }
    }

    @Test("PONGs complete flushes in order; a PONG out of order closes the connection")
    func flushes() throws {
        var machine = readyMachine()
        let first = loop.makePromise(of: Void.self)
        let second = loop.makePromise(of: Void.self)
        let firstTokenResult = machine.flush(first)
        let firstToken = try #require(firstTokenResult)
        let secondTokenResult = machine.flush(second)
        let secondToken = try #require(secondTokenResult)
        #expect(firstToken != secondToken)
        guard case .succeed(let completed) = machine.received(.pong(Frame.Ping(token: firstToken))) else {
            Issue.record("the first PONG did not complete the first flush")
            finish(&machine)
            return
        }
        #expect(completed.futureResult === first.futureResult)
        completed.succeed()
        guard case .close = machine.received(.pong(Frame.Ping(token: firstToken))) else {
            Issue.record("an unexpected PONG was accepted")
            finish(&machine)
            return
        }
        finish(&machine)
    }

    @Test("server PINGs are answered with the same token")
    func answersPings() {
        var machine = readyMachine()
        guard case .sendPong(let token) = machine.received(.ping(Frame.Ping(token: 42))) else {
            Issue.record("PING was not answered")
            return
        }
        #expect(token == 42)
        finish(&machine)
    }

    @Test("an ERROR for a subscription ends it and fails its confirmation")
    func refusedSubscription() throws {
        var machine = readyMachine()
        let (source, sequence) = makeSource(id: 3)
        let confirmation = loop.makePromise(of: Void.self)
        let tokenResult = machine.subscribe(Frame.Subscribe(subscriptionID: 3, pattern: "a.>"), monitor: SubscriptionMonitor(pattern: "a.>", onDropNotice: nil), sink: .messages(source), confirmation: confirmation)
        let token = try #require(tokenResult)
        let error = Frame.Error(code: .invalidPattern, subject: .subscription, id: 3, message: "no", closesConnection: false)
        guard case .finishSubscription(let finished, let reason, let pending?) = machine.received(.error(error)) else {
            Issue.record("the subscription was not ended")
            confirmation.fail(TernClientError.closed)
            return
        }
        #expect(reason == .refused(code: .invalidPattern, message: "no"))
        pending.fail(reason)
        finished.finish(reason)
        guard case .none = machine.received(.pong(Frame.Ping(token: token))) else {
            Issue.record("the PONG confirmed an ended subscription")
            return
        }
        let frames = machine.subscriptionEnded(id: 3)
        #expect(frames.isEmpty, "no UNSUBSCRIBE for a subscription the broker ended")
        _ = sequence
        finish(&machine)
    }

    @Test("messages reach their subscription; drop notices are reported with its pattern")
    func delivery() throws {
        var machine = readyMachine()
        let (source, sequence) = makeSource(id: 1)
        let confirmation = loop.makePromise(of: Void.self)
        let monitor = SubscriptionMonitor(pattern: "orders.*", onDropNotice: nil)
        let tokenResult = machine.subscribe(Frame.Subscribe(subscriptionID: 1, pattern: monitor.pattern), monitor: monitor, sink: .messages(source), confirmation: confirmation)
        let token = try #require(tokenResult)
        guard case .succeed(let confirmed) = machine.received(.pong(Frame.Ping(token: token))) else {
            Issue.record("the PONG did not confirm the subscription")
            confirmation.fail(TernClientError.closed)
            return
        }
        confirmed.succeed()
        let message = Frame.Message(subscriptionID: 1, topic: "orders.eu", headers: ["h": "v"], payload: ByteBuffer(string: "x"))
        guard case .deliver(_, let delivered, let id) = machine.received(.message(message)) else {
            Issue.record("the message was not delivered")
            return
        }
        #expect(id == 1)
        #expect(delivered.topic == "orders.eu")
        #expect(delivered.string == "x")
        #expect(delivered.headers["h"] == "v")
        guard case .none = machine.received(.message(Frame.Message(subscriptionID: 9, topic: "t", payload: ByteBuffer()))) else {
            Issue.record("a message for an unknown subscription was delivered")
            return
        }
        let notice = Frame.DropNotice(subscriptionID: 1, reason: .droppedOldest, count: 5)
        guard case .reportDrop(let reported, let report) = machine.received(.dropNotice(notice)) else {
            Issue.record("the drop notice was not reported")
            return
        }
        reported.record(report)
        #expect(monitor.droppedCount == 5)
        #expect(report.description == "subscription 'orders.*' missed 5 messages (the broker dropped the oldest)")
        let frames = machine.subscriptionEnded(id: 1)
        #expect(frames == [.unsubscribe(Frame.Unsubscribe(subscriptionID: 1))], "ending a live subscription sends UNSUBSCRIBE")
        _ = sequence
        finish(&machine)
    }

    @Test("reading pauses while any subscription's buffer is full")
    func readPausing() throws {
        var machine = readyMachine()
        let (first, firstSequence) = makeSource(id: 1)
        let (second, secondSequence) = makeSource(id: 2)
        let confirmations = [loop.makePromise(of: Void.self), loop.makePromise(of: Void.self)]
        _ = machine.subscribe(Frame.Subscribe(subscriptionID: 1, pattern: "a"), monitor: SubscriptionMonitor(pattern: "a", onDropNotice: nil), sink: .messages(first), confirmation: confirmations[0])
        _ = machine.subscribe(Frame.Subscribe(subscriptionID: 2, pattern: "b"), monitor: SubscriptionMonitor(pattern: "b", onDropNotice: nil), sink: .messages(second), confirmation: confirmations[1])
        machine.pause(subscriptionID: 1)
        machine.pause(subscriptionID: 2)
        machine.pause(subscriptionID: 2)
        #expect(!machine.mayRead)
        let resumedAll = machine.resume(subscriptionID: 1)
        #expect(!resumedAll)
        #expect(!machine.mayRead)
        let frames = machine.subscriptionEnded(id: 2)
        #expect(frames == [.unsubscribe(Frame.Unsubscribe(subscriptionID: 2))])
        #expect(machine.mayRead)
        for confirmation in confirmations { confirmation.succeed() }
        _ = (firstSequence, secondSequence)
        finish(&machine)
    }

    @Test("a refused acknowledged publish fails with the broker's code")
    func refusedAck() throws {
        var machine = readyMachine()
        let promise = loop.makePromise(of: Void.self)
        let registered = machine.expectAck(id: 5, promise: promise)
        #expect(registered)
        guard case .fail(let failed, let error) = machine.received(.ack(Frame.Ack(ackID: 5, code: .mailboxFull, message: "full"))) else {
            Issue.record("the ACK did not fail the publish")
            promise.fail(TernClientError.closed)
            return
        }
        #expect(error == .refused(code: .mailboxFull, message: "full"))
        failed.fail(error)
        finish(&machine)
    }

    @Test("a publish error without an ack id is reported as an event and fails the next flush")
    func unattributedPublishError() throws {
        var machine = readyMachine()
        let error = Frame.Error(code: .mailboxFull, subject: .publish, id: 0, message: "full", closesConnection: false)
        guard case .reportError(.refused(code: .mailboxFull, message: "full")) = machine.received(.error(error)) else {
            Issue.record("unexpected action")
            return
        }
        let promise = loop.makePromise(of: Void.self)
        let tokenResult = machine.flush(promise)
        let token = try #require(tokenResult)
        guard case .fail(let failed, let reason) = machine.received(.pong(Frame.Ping(token: token))) else {
            Issue.record("the flush did not fail")
            promise.fail(TernClientError.closed)
            return
        }
        #expect(reason == .refused(code: .mailboxFull, message: "full"))
        failed.fail(reason)
        finish(&machine)
    }

    @Test("closing by the client ends subscriptions normally and fails waiters with closed")
    func clientClose() throws {
        var machine = readyMachine()
        let (source, sequence) = makeSource(id: 1)
        _ = machine.subscribe(Frame.Subscribe(subscriptionID: 1, pattern: "a"), monitor: SubscriptionMonitor(pattern: "a", onDropNotice: nil), sink: .messages(source), confirmation: loop.makePromise())
        let first = machine.close()
        let second = machine.close()
        #expect(first)
        #expect(!second, "closing twice sends one GOODBYE")
        let actions = machine.connectionClosed()
        #expect(actions.error == .closed)
        #expect(actions.subscriptions.count == 1)
        #expect(actions.complete(reconnecting: false) == nil)
        let late = loop.makePromise(of: Void.self)
        let token = machine.flush(late)
        #expect(token == nil)
        late.fail(TernClientError.closed)
        _ = sequence
    }

    @Test("a GOODBYE from the broker ends subscriptions with its reason")
    func brokerGoodbye() {
        var machine = readyMachine()
        let (source, sequence) = makeSource(id: 1)
        _ = machine.subscribe(Frame.Subscribe(subscriptionID: 1, pattern: "a"), monitor: SubscriptionMonitor(pattern: "a", onDropNotice: nil), sink: .messages(source), confirmation: loop.makePromise())
        guard case .close = machine.received(.goodbye(Frame.Goodbye(code: .serverShuttingDown, message: "bye"))) else {
            Issue.record("GOODBYE did not close")
            finish(&machine)
            return
        }
        let actions = machine.connectionClosed()
        let expected = TernClientError.disconnected(code: .serverShuttingDown, reason: "bye")
        #expect(actions.error == expected)
        #expect(actions.subscriptions.count == 1)
        _ = actions.complete(reconnecting: false)
        _ = sequence
    }
}
