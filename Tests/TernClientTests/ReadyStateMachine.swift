import NIOCore
import Testing
import TernProtocol
@testable import TernClient

extension ConnectionStateMachine {
    /// A state machine past its handshake with a broker that announced `features`.
    static func ready(on loop: any EventLoop, features: Features = []) -> ConnectionStateMachine {
        let handshake = loop.makePromise(of: Frame.Welcome.self)
        var machine = ConnectionStateMachine(handshake: handshake)
        let welcome = Frame.Welcome(version: 1, serverID: "test", limits: .defaults, features: features, pingIntervalMilliseconds: 0)
        if case .completeHandshake(let promise, let received, _) = machine.received(.welcome(welcome)) {
            promise.succeed(received)
        } else {
            Issue.record("WELCOME did not complete the handshake")
            handshake.fail(TernClientError.closed)
        }
        return machine
    }

    /// Ends the connection and settles what it still owed, as a client that does not reconnect
    /// does.
    mutating func closeAndSettle() {
        let actions = connectionClosed()
        actions.handshake?.fail(actions.error)
        _ = actions.complete(reconnecting: false)
    }
}
