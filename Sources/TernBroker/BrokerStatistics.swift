import Atomics

/// Broker-wide counters, updated once per batch from any event loop.
public final class BrokerStatistics: Sendable {
    private let connectionsOpen = ManagedAtomic<Int>(0)
    private let connectionsTotal = ManagedAtomic<UInt64>(0)
    private let topicsLive = ManagedAtomic<Int>(0)
    private let publishedTotal = ManagedAtomic<UInt64>(0)
    private let deliveredTotal = ManagedAtomic<UInt64>(0)
    private let droppedTotal = ManagedAtomic<UInt64>(0)
    private let rejectedTotal = ManagedAtomic<UInt64>(0)
    private let slowConsumersTotal = ManagedAtomic<UInt64>(0)
    private let protocolErrorsTotal = ManagedAtomic<UInt64>(0)
    private let outboundLimitsExceededTotal = ManagedAtomic<UInt64>(0)
    private let requestsRouted = ManagedAtomic<UInt64>(0)
    private let requestsWithoutResponders = ManagedAtomic<UInt64>(0)
    private let requestsTimedOut = ManagedAtomic<UInt64>(0)
    private let lateRepliesDropped = ManagedAtomic<UInt64>(0)
    private let authenticationFailuresTotal = ManagedAtomic<UInt64>(0)
    private let permissionDenialsTotal = ManagedAtomic<UInt64>(0)

    init() {}

    func connectionOpened() {
        connectionsOpen.wrappingIncrement(ordering: .relaxed)
        connectionsTotal.wrappingIncrement(ordering: .relaxed)
    }

    func connectionClosed() { connectionsOpen.wrappingDecrement(ordering: .relaxed) }
    func topicCreated() { topicsLive.wrappingIncrement(ordering: .relaxed) }
    func topicRetired() { topicsLive.wrappingDecrement(ordering: .relaxed) }
    func published(_ count: Int) { publishedTotal.wrappingIncrement(by: UInt64(count), ordering: .relaxed) }
    func delivered(_ count: Int) { deliveredTotal.wrappingIncrement(by: UInt64(count), ordering: .relaxed) }
    func dropped(_ count: Int) { droppedTotal.wrappingIncrement(by: UInt64(count), ordering: .relaxed) }
    func rejected(_ count: Int) { rejectedTotal.wrappingIncrement(by: UInt64(count), ordering: .relaxed) }
    func slowConsumerDisconnected() { slowConsumersTotal.wrappingIncrement(ordering: .relaxed) }
    func protocolError() { protocolErrorsTotal.wrappingIncrement(ordering: .relaxed) }
    func outboundLimitExceeded() { outboundLimitsExceededTotal.wrappingIncrement(ordering: .relaxed) }
    func requestRouted() { requestsRouted.wrappingIncrement(ordering: .relaxed) }
    func requestWithoutResponders() { requestsWithoutResponders.wrappingIncrement(ordering: .relaxed) }
    func requestTimedOut() { requestsTimedOut.wrappingIncrement(ordering: .relaxed) }
    func lateReplyDropped() { lateRepliesDropped.wrappingIncrement(ordering: .relaxed) }
    func authenticationFailed() { authenticationFailuresTotal.wrappingIncrement(ordering: .relaxed) }
    func permissionDenied() { permissionDenialsTotal.wrappingIncrement(ordering: .relaxed) }

    /// The counters now.
    public var snapshot: Snapshot {
        Snapshot(
            connections: connectionsOpen.load(ordering: .relaxed),
            connectionsAccepted: connectionsTotal.load(ordering: .relaxed),
            topics: topicsLive.load(ordering: .relaxed),
            published: publishedTotal.load(ordering: .relaxed),
            delivered: deliveredTotal.load(ordering: .relaxed),
            dropped: droppedTotal.load(ordering: .relaxed),
            rejected: rejectedTotal.load(ordering: .relaxed),
            slowConsumers: slowConsumersTotal.load(ordering: .relaxed),
            protocolErrors: protocolErrorsTotal.load(ordering: .relaxed),
            outboundLimitsExceeded: outboundLimitsExceededTotal.load(ordering: .relaxed),
            requests: requestsRouted.load(ordering: .relaxed),
            requestsWithoutResponders: requestsWithoutResponders.load(ordering: .relaxed),
            requestsTimedOut: requestsTimedOut.load(ordering: .relaxed),
            lateRepliesDropped: lateRepliesDropped.load(ordering: .relaxed),
            authenticationFailures: authenticationFailuresTotal.load(ordering: .relaxed),
            permissionDenials: permissionDenialsTotal.load(ordering: .relaxed)
        )
    }

    /// Broker-wide counters at one moment.
    public struct Snapshot: Sendable, Hashable {
        public var connections: Int
        public var connectionsAccepted: UInt64
        public var topics: Int
        /// Messages accepted by topics.
        public var published: UInt64
        /// Messages written to subscribers' connections.
        public var delivered: UInt64
        /// Messages the drop policies discarded, once per subscriber.
        public var dropped: UInt64
        /// Publishes refused by the `reject` policy.
        public var rejected: UInt64
        public var slowConsumers: UInt64
        /// Connections closed for breaking the protocol.
        public var protocolErrors: UInt64
        /// Connections closed because too many bytes waited to be written to them.
        public var outboundLimitsExceeded: UInt64
        /// Requests delivered to a responder.
        public var requests: UInt64
        /// Requests answered `noResponders`.
        public var requestsWithoutResponders: UInt64
        /// Requests answered `timeout`.
        public var requestsTimedOut: UInt64
        /// Replies that came after their request had timed out.
        public var lateRepliesDropped: UInt64
        /// Connections refused with `authentication_failed`, and connections closed because
        /// their user was removed.
        public var authenticationFailures: UInt64
        /// Operations refused with `permission_denied`, and subscriptions a reload ended.
        public var permissionDenials: UInt64
    }
}
