import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Keep-alive: a quiet broker is pinged, a silent one given up")
struct KeepAliveTests {
    let loop = NIOAsyncTestingEventLoop()

    @Test("a quiet connection sends PING; after two unanswered ones it aborts, and calls fail with the reason")
    func silentBroker() {
        var machine = ConnectionStateMachine.ready(on: loop)
        guard case .sendPing = machine.keepAliveIntervalPassed(maxUnanswered: 2, interval: .seconds(1)) else {
            Issue.record("no first PING")
            return
        }
        guard case .sendPing = machine.keepAliveIntervalPassed(maxUnanswered: 2, interval: .seconds(1)) else {
            Issue.record("no second PING")
            return
        }
        #expect(machine.keepAliveIntervalPassed(maxUnanswered: 2, interval: .seconds(1)) == .abort)
        let actions = machine.connectionClosed()
        #expect(actions.error == .disconnected(code: nil, reason: "the broker answered nothing for 3.0 seconds (2 keep-alive pings)"))
    }

    @Test("anything heard from the broker resets the count")
    func answeringBroker() {
        var machine = ConnectionStateMachine.ready(on: loop)
        for _ in 0..<10 {
            guard case .sendPing(let token) = machine.keepAliveIntervalPassed(maxUnanswered: 2, interval: .seconds(1)) else {
                Issue.record("no PING")
                return
            }
            machine.heardFromBroker()
            guard case .none = machine.received(.pong(Frame.Ping(token: token))) else {
                Issue.record("a keep-alive PONG completed something")
                return
            }
            #expect(machine.keepAliveIntervalPassed(maxUnanswered: 2, interval: .seconds(1)) == .none, "heard during the interval")
        }
    }

    @Test("a connection that holds its reads back is not judged")
    func pausedReads() {
        var machine = ConnectionStateMachine.ready(on: loop)
        let new = TernSubscription.Queue.makeSequence(
            highWatermark: 2, delegate: SubscriptionDelegate(subscriptionID: 1, eventLoop: loop, session: .makeEmptyBox(eventLoop: loop))
        )
        let confirmation = loop.makePromise(of: Void.self)
        _ = machine.subscribe(Frame.Subscribe(subscriptionID: 1, pattern: "a"), monitor: SubscriptionMonitor(pattern: "a", onDropNotice: nil), sink: .messages(new.queue), confirmation: confirmation)
        machine.pause(subscriptionID: 1)
        for _ in 0..<5 {
            #expect(machine.keepAliveIntervalPassed(maxUnanswered: 2, interval: .seconds(1)) == .none)
        }
        machine.closeAndSettle()
        _ = new.sequence
    }

    @Test("before the handshake and after the close nothing is sent")
    func notReady() {
        var machine = ConnectionStateMachine(handshake: loop.makePromise())
        #expect(machine.keepAliveIntervalPassed(maxUnanswered: 2, interval: .seconds(1)) == .none)
        _ = machine.close()
        #expect(machine.keepAliveIntervalPassed(maxUnanswered: 2, interval: .seconds(1)) == .none)
        machine.closeAndSettle()
    }
}
