import NIOCore
import Testing
import TernProtocol

@testable import TernBroker

@Suite struct ConnectionLifecycleTests {
    private let hello = Frame.hello(Frame.Hello(minVersion: 1, maxVersion: 3, clientName: "test"))

    private func ready() -> ConnectionLifecycle {
        var machine = ConnectionLifecycle()
        _ = machine.frameReceived(hello)
        _ = machine.authenticated()
        return machine
    }

    @Test func helloIsAuthenticatedThenWelcomedWithTheHighestCommonVersion() {
        var machine = ConnectionLifecycle()
        guard case .authenticate(let received) = machine.frameReceived(hello), case .hello(let sent) = hello else {
            Issue.record("expected the HELLO to be authenticated")
            return
        }
        #expect(received == sent)
        #expect(!machine.isReady)
        #expect(machine.frameReceived(.ping(Frame.Ping(token: 1))) == .none)
        #expect(machine.authenticated() == .sendWelcome(version: 1))
        #expect(machine.isReady)
        #expect(machine.authenticated() == .none)
    }

    @Test func aFailedAuthenticationClosesAndTheDeadlineCoversIt() {
        var failing = ConnectionLifecycle()
        _ = failing.frameReceived(hello)
        guard case .sendError(let error) = failing.authenticationFailed("authentication failed: no") else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == .authenticationFailed && error.closesConnection && error.message == "authentication failed: no")
        #expect(failing.authenticated() == .none)
        var slow = ConnectionLifecycle()
        _ = slow.frameReceived(hello)
        guard case .sendError(let timeout) = slow.handshakeDeadlinePassed() else {
            Issue.record("expected a handshake timeout")
            return
        }
        #expect(timeout.code == .handshakeTimeout)
        var ready = ready()
        #expect(ready.authenticationFailed("late") == .none)
    }

    @Test func helloWithoutACommonVersionIsRefusedWithTheServersRange() {
        var machine = ConnectionLifecycle()
        let action = machine.frameReceived(.hello(Frame.Hello(minVersion: 2, maxVersion: 4, clientName: "future")))
        guard case .sendError(let error) = action else {
            Issue.record("expected an error, got \(action)")
            return
        }
        #expect(error.code == .unsupportedVersion)
        #expect(error.closesConnection)
        #expect(error.id == (1 << 16 | 1))
        #expect(error.message.contains("1...1"))
        #expect(machine.frameReceived(hello) == .none)
    }

    @Test func aFrameBeforeHelloClosesTheConnection() {
        var machine = ConnectionLifecycle()
        let action = machine.frameReceived(.ping(Frame.Ping(token: 1)))
        guard case .sendError(let error) = action else {
            Issue.record("expected an error, got \(action)")
            return
        }
        #expect(error.code == .unexpectedFrame)
        #expect(error.closesConnection)
    }

    @Test func clientFramesAreProcessedAndPingsAnswered() {
        var machine = ready()
        let publish = Frame.publish(Frame.Publish(topic: "a", payload: ByteBuffer(string: "x")))
        #expect(machine.frameReceived(publish) == .process(publish))
        #expect(machine.frameReceived(.ping(Frame.Ping(token: 9))) == .sendPong(Frame.Ping(token: 9)))
    }

    @Test func serverFramesFromAClientAreUnexpected() {
        var machine = ready()
        let action = machine.frameReceived(.ack(Frame.Ack(ackID: 1)))
        guard case .sendError(let error) = action else {
            Issue.record("expected an error, got \(action)")
            return
        }
        #expect(error.code == .unexpectedFrame)
        #expect(error.closesConnection)
    }

    @Test func unknownFrameTypesAreReportedButKeepTheConnection() {
        var machine = ready()
        let action = machine.frameReceived(.unknown(Frame.Unknown(type: 0x70, flags: 0, body: ByteBuffer())))
        guard case .sendError(let error) = action else {
            Issue.record("expected an error, got \(action)")
            return
        }
        #expect(error.code == .unknownFrameType)
        #expect(!error.closesConnection)
        #expect(machine.isReady)
    }

    @Test func goodbyeClosesAndAnythingAfterItIsAnError() {
        var machine = ready()
        #expect(machine.frameReceived(.goodbye(Frame.Goodbye())) == .close)
        let action = machine.frameReceived(.publish(Frame.Publish(topic: "a", payload: ByteBuffer())))
        guard case .sendError(let error) = action else {
            Issue.record("expected an error, got \(action)")
            return
        }
        #expect(error.code == .unexpectedFrame)
    }

    @Test func aDecodingErrorClosesWithItsCode() {
        var machine = ready()
        let action = machine.decodingFailed(.frameTooLarge(length: .max, limit: 1024))
        guard case .sendError(let error) = action else {
            Issue.record("expected an error, got \(action)")
            return
        }
        #expect(error.code == .frameTooLarge)
        #expect(error.closesConnection)
    }

    @Test func theHandshakeDeadlineOnlyMattersBeforeHello() {
        var waiting = ConnectionLifecycle()
        guard case .sendError(let error) = waiting.handshakeDeadlinePassed() else {
            Issue.record("expected a handshake timeout")
            return
        }
        #expect(error.code == .handshakeTimeout)
        var machine = ready()
        #expect(machine.handshakeDeadlinePassed() == .none)
    }

    @Test func aQuietConnectionIsPingedTwiceThenClosed() {
        var machine = ready()
        // The HELLO counts as traffic during the first interval.
        #expect(machine.pingIntervalPassed() == .none)
        guard case .sendPing = machine.pingIntervalPassed() else {
            Issue.record("expected a first ping")
            return
        }
        guard case .sendPing = machine.pingIntervalPassed() else {
            Issue.record("expected a second ping")
            return
        }
        guard case .sendError(let error) = machine.pingIntervalPassed() else {
            Issue.record("expected a ping timeout")
            return
        }
        #expect(error.code == .pingTimeout)
    }

    @Test func aPongKeepsTheConnectionAlive() {
        var machine = ready()
        _ = machine.pingIntervalPassed()
        guard case .sendPing(let ping) = machine.pingIntervalPassed() else {
            Issue.record("expected a ping")
            return
        }
        #expect(machine.frameReceived(.pong(ping)) == .none)
        #expect(machine.pingIntervalPassed() == .none)
    }
}

/// What the connection's whole machine tells the loop about polling after a read.
@Suite struct ExpectedAnswerTests {
    private func ready() -> ConnectionStateMachine {
        var machine = ConnectionStateMachine(limits: Limits.defaults, maxInFlightRequests: 10)
        _ = machine.frameReceived(.hello(Frame.Hello(minVersion: 1, maxVersion: 3, clientName: "test")), readAsProblem: { _ in nil })
        _ = machine.authenticated(as: nil)
        return machine
    }

    @Test func requestsAndRepliesAreAnsweredSoonButPublishesAreNot() {
        var machine = ready()
        let action = machine.publishReceived(Frame.Publish(topic: "a.b", payload: ByteBuffer(string: "x")))
        #expect(action == nil)
        let afterPublish = machine.takeExpectsAnswer()
        #expect(!afterPublish, "nothing comes back for a publish")
        let request = Frame.Request(requestID: 1, topic: "svc.echo", timeoutMilliseconds: 1000, payload: ByteBuffer(string: "q"))
        guard case .routeRequest = machine.frameReceived(.request(request), readAsProblem: { _ in nil }) else {
            Issue.record("the request was not routed")
            return
        }
        let afterRequest = machine.takeExpectsAnswer()
        #expect(afterRequest, "its reply is on its way")
        let again = machine.takeExpectsAnswer()
        #expect(!again, "taken once")
        _ = machine.frameReceived(.reply(Frame.Reply(requestID: 7, code: .ok, payload: ByteBuffer())), readAsProblem: { _ in nil })
        let afterReply = machine.takeExpectsAnswer()
        #expect(afterReply, "a requester's next request follows its reply")
    }
}
