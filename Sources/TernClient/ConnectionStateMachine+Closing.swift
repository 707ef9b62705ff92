import NIOCore
import TernProtocol

extension ConnectionStateMachine {
    /// What a connection still owed when its channel closed; ``complete(reconnecting:)``
    /// settles it.
    struct CloseActions {
        /// Set when the connection closed before the broker welcomed it.
        var handshake: EventLoopPromise<Frame.Welcome>?
        var flushes: [EventLoopPromise<Void>] = []
        var acks: [EventLoopPromise<Void>] = []
        var requests: [PendingRequest] = []
        var operations: [EventLoopPromise<Frame>] = []
        var subscriptions: [UInt32: Subscription] = [:]
        var unattributedPublishFailure: TernClientError?
        /// Why the connection ended: ``TernClientError/closed`` when the client closed it.
        var error: TernClientError

        /// Settles what the connection owed.
        ///
        /// Acknowledged publishes, requests and registry operations in flight have an unknown
        /// outcome: they fail at once with ``TernClientError/connectionLost(reason:)`` (with
        /// ``TernClientError/closed`` when the client closed). When the client goes on to
        /// `reconnect`, the subscriptions and the flushes are returned to be carried to the next
        /// connection (a flush then spans the reconnect). Otherwise flushes fail and subscriptions
        /// end with the connection's error (normally when the client closed), and `nil` is
        /// returned.
        ///
        /// The handshake's promise is left to the caller: it knows whether that connection was
        /// one of several attempts.
        func complete(reconnecting: Bool) -> (carried: ConnectionStateMachine.CarriedState, flushes: [EventLoopPromise<Void>])? {
            let inFlight = error == .closed ? error : TernClientError.connectionLost(after: error)
            for promise in acks { promise.fail(inFlight) }
            for request in requests { request.fail(inFlight) }
            for operation in operations { operation.fail(inFlight) }
            guard !reconnecting else {
                var carried = ConnectionStateMachine.CarriedState(unattributedPublishFailure: unattributedPublishFailure)
                for (id, subscription) in subscriptions {
                    if subscription.isDraining {
                        // The drain's purpose is met: the broker sends this subscription nothing more.
                        subscription.confirmation?.succeed()
                        subscription.sink.finish()
                    } else {
                        carried.subscriptions[id] = subscription
                    }
                }
                return (carried, flushes)
            }
            for promise in flushes { promise.fail(error) }
            for subscription in subscriptions.values {
                subscription.confirmation?.fail(error)
                subscription.sink.finish(error == .closed ? nil : error)
            }
            return nil
        }
    }
}
