import Atomics
import NIOConcurrencyHelpers
import TernProtocol

/// Broker-wide counters, updated once per batch (a topic's publish batch, a connection's drain
/// round) or per event (a connection, a request) from any event loop, with relaxed atomics.
/// The monitoring listener and the metrics read them (``snapshot``).
public final class BrokerStatistics: Sendable {
    private let connectionsOpen = ManagedAtomic<Int>(0)
    private let connectionsTotal = ManagedAtomic<UInt64>(0)
    private let connectionsRefusedTotal = ManagedAtomic<UInt64>(0)
    private let tlsHandshakeFailuresTotal = ManagedAtomic<UInt64>(0)
    private let topicsLive = ManagedAtomic<Int>(0)
    private let publishedTotal = ManagedAtomic<UInt64>(0)
    private let publishedBytesTotal = ManagedAtomic<UInt64>(0)
    private let deliveredTotal = ManagedAtomic<UInt64>(0)
    private let deliveredBytesTotal = ManagedAtomic<UInt64>(0)
    private let droppedByReason: [ManagedAtomic<UInt64>] = DropReason.allCases.map { _ in ManagedAtomic(0) }
    private let rejectedTotal = ManagedAtomic<UInt64>(0)
    private let refusedByCode = NIOLockedValueBox<[ErrorCode: UInt64]>([:])
    private let slowConsumersTotal = ManagedAtomic<UInt64>(0)
    private let protocolErrorsTotal = ManagedAtomic<UInt64>(0)
    private let outboundLimitsExceededTotal = ManagedAtomic<UInt64>(0)
    private let requestsRouted = ManagedAtomic<UInt64>(0)
    private let requestsAnswered = ManagedAtomic<UInt64>(0)
    private let requestsWithoutResponders = ManagedAtomic<UInt64>(0)
    private let requestsTimedOut = ManagedAtomic<UInt64>(0)
    private let requestsWithResponderGone = ManagedAtomic<UInt64>(0)
    private let lateRepliesDropped = ManagedAtomic<UInt64>(0)
    private let authenticationFailuresTotal = ManagedAtomic<UInt64>(0)
    private let permissionDenialsTotal = ManagedAtomic<UInt64>(0)
    /// What the topics' mailboxes hold now.
    let mailboxes = QueueDepth()
    /// What the subscriptions' outbound queues hold now.
    let subscriberQueues = QueueDepth()

    /// Why messages were dropped.
    public enum DropReason: String, CaseIterable, Sendable {
        /// A `drop-oldest` topic discarded a slow subscriber's oldest messages.
        case droppedOldest = "dropped_oldest"
        /// A `drop-newest` topic discarded new messages while a subscriber's queue was full.
        case droppedNewest = "dropped_newest"
        /// A subscriber reading as a schema version could not read them.
        case unreadable
        /// A shutdown's deadline passed before the subscriber took them.
        case shutdown
    }

    init() {}

    func connectionOpened() {
        connectionsOpen.wrappingIncrement(ordering: .relaxed)
        connectionsTotal.wrappingIncrement(ordering: .relaxed)
    }

    func connectionClosed() { connectionsOpen.wrappingDecrement(ordering: .relaxed) }
    func connectionRefused() { connectionsRefusedTotal.wrappingIncrement(ordering: .relaxed) }
    func tlsHandshakeFailed() { tlsHandshakeFailuresTotal.wrappingIncrement(ordering: .relaxed) }
    func topicCreated() { topicsLive.wrappingIncrement(ordering: .relaxed) }
    func topicRetired() { topicsLive.wrappingDecrement(ordering: .relaxed) }

    /// A topic accepted `count` messages of `bytes` payload bytes.
    func published(_ count: Int, bytes: Int) {
        publishedTotal.wrappingIncrement(by: UInt64(count), ordering: .relaxed)
        publishedBytesTotal.wrappingIncrement(by: UInt64(bytes), ordering: .relaxed)
    }

    /// A connection wrote `count` messages of `bytes` payload bytes to a subscriber.
    func delivered(_ count: Int, bytes: Int) {
        deliveredTotal.wrappingIncrement(by: UInt64(count), ordering: .relaxed)
        deliveredBytesTotal.wrappingIncrement(by: UInt64(bytes), ordering: .relaxed)
    }

    func dropped(_ count: Int, reason: DropReason) {
        droppedByReason[Self.index(of: reason)].wrappingIncrement(by: UInt64(count), ordering: .relaxed)
    }

    /// A topic's `reject` policy or its schema binding refused `count` publishes.
    func rejected(_ count: Int) { rejectedTotal.wrappingIncrement(by: UInt64(count), ordering: .relaxed) }

    /// `count` publishes were refused with `code`, wherever it was decided.
    func publishesRefused(_ count: Int, code: ErrorCode) {
        refusedByCode.withLockedValue { $0[code, default: 0] += UInt64(count) }
    }

    func slowConsumerDisconnected() { slowConsumersTotal.wrappingIncrement(ordering: .relaxed) }
    func protocolError() { protocolErrorsTotal.wrappingIncrement(ordering: .relaxed) }
    func outboundLimitExceeded() { outboundLimitsExceededTotal.wrappingIncrement(ordering: .relaxed) }
    func requestRouted() { requestsRouted.wrappingIncrement(ordering: .relaxed) }
    func requestAnswered() { requestsAnswered.wrappingIncrement(ordering: .relaxed) }
    func requestWithoutResponders() { requestsWithoutResponders.wrappingIncrement(ordering: .relaxed) }
    func requestTimedOut() { requestsTimedOut.wrappingIncrement(ordering: .relaxed) }
    func requestLostItsResponder() { requestsWithResponderGone.wrappingIncrement(ordering: .relaxed) }
    func lateReplyDropped() { lateRepliesDropped.wrappingIncrement(ordering: .relaxed) }
    func authenticationFailed() { authenticationFailuresTotal.wrappingIncrement(ordering: .relaxed) }
    func permissionDenied() { permissionDenialsTotal.wrappingIncrement(ordering: .relaxed) }

    private static func index(of reason: DropReason) -> Int {
        DropReason.allCases.firstIndex(of: reason) ?? 0
    }

    /// The counters now.
    public var snapshot: Snapshot {
        let dropped = Dictionary(uniqueKeysWithValues: DropReason.allCases.map { ($0, droppedByReason[Self.index(of: $0)].load(ordering: .relaxed)) })
        return Snapshot(
            connections: connectionsOpen.load(ordering: .relaxed),
            connectionsAccepted: connectionsTotal.load(ordering: .relaxed),
            connectionsRefused: connectionsRefusedTotal.load(ordering: .relaxed),
            tlsHandshakeFailures: tlsHandshakeFailuresTotal.load(ordering: .relaxed),
            topics: topicsLive.load(ordering: .relaxed),
            published: publishedTotal.load(ordering: .relaxed),
            publishedBytes: publishedBytesTotal.load(ordering: .relaxed),
            delivered: deliveredTotal.load(ordering: .relaxed),
            deliveredBytes: deliveredBytesTotal.load(ordering: .relaxed),
            dropped: dropped.values.reduce(0, +),
            droppedByReason: dropped,
            rejected: rejectedTotal.load(ordering: .relaxed),
            refusedByCode: refusedByCode.withLockedValue { $0 },
            slowConsumers: slowConsumersTotal.load(ordering: .relaxed),
            protocolErrors: protocolErrorsTotal.load(ordering: .relaxed),
            outboundLimitsExceeded: outboundLimitsExceededTotal.load(ordering: .relaxed),
            requests: requestsRouted.load(ordering: .relaxed),
            requestsAnswered: requestsAnswered.load(ordering: .relaxed),
            requestsWithoutResponders: requestsWithoutResponders.load(ordering: .relaxed),
            requestsTimedOut: requestsTimedOut.load(ordering: .relaxed),
            requestsWithResponderGone: requestsWithResponderGone.load(ordering: .relaxed),
            lateRepliesDropped: lateRepliesDropped.load(ordering: .relaxed),
            authenticationFailures: authenticationFailuresTotal.load(ordering: .relaxed),
            permissionDenials: permissionDenialsTotal.load(ordering: .relaxed),
            mailboxMessages: mailboxes.messages, mailboxBytes: mailboxes.bytes,
            subscriberQueueMessages: subscriberQueues.messages, subscriberQueueBytes: subscriberQueues.bytes
        )
    }

    /// Broker-wide counters at one moment.
    public struct Snapshot: Sendable, Hashable {
        public var connections: Int
        public var connectionsAccepted: UInt64
        /// Connections refused at the limit of connections.
        public var connectionsRefused: UInt64
        /// TLS handshakes that failed (no common version or cipher, a bad or missing client
        /// certificate, a peer that does not speak TLS).
        public var tlsHandshakeFailures: UInt64
        public var topics: Int
        /// Messages accepted by topics.
        public var published: UInt64
        /// Payload bytes of those messages.
        public var publishedBytes: UInt64
        /// Messages written to subscribers' connections.
        public var delivered: UInt64
        /// Payload bytes of those messages.
        public var deliveredBytes: UInt64
        /// Messages dropped, once per subscriber.
        public var dropped: UInt64
        public var droppedByReason: [DropReason: UInt64]
        /// Publishes refused by a topic: its `reject` policy or its schema binding.
        public var rejected: UInt64
        /// Publishes refused, wherever it was decided, by the code they were refused with.
        public var refusedByCode: [ErrorCode: UInt64]
        public var slowConsumers: UInt64
        /// Connections closed for breaking the protocol.
        public var protocolErrors: UInt64
        /// Connections closed because too many bytes waited to be written to them.
        public var outboundLimitsExceeded: UInt64
        /// Requests delivered to a responder.
        public var requests: UInt64
        /// Requests whose responder's reply was relayed to the requester.
        public var requestsAnswered: UInt64
        /// Requests answered `noResponders`.
        public var requestsWithoutResponders: UInt64
        /// Requests answered `timeout`.
        public var requestsTimedOut: UInt64
        /// Requests answered `responderGone`: the responder disconnected with them in flight.
        public var requestsWithResponderGone: UInt64
        /// Replies that came after their request had timed out.
        public var lateRepliesDropped: UInt64
        /// Connections refused with `authentication_failed`, and connections closed because
        /// their user was removed.
        public var authenticationFailures: UInt64
        /// Operations refused with `permission_denied`, and subscriptions a reload ended.
        public var permissionDenials: UInt64
        public var mailboxMessages: Int
        public var mailboxBytes: Int
        public var subscriberQueueMessages: Int
        public var subscriberQueueBytes: Int

        /// Publishes refused for any reason.
        public var publishesRefused: UInt64 { refusedByCode.values.reduce(0, +) }
    }
}

/// How many messages and bytes a set of queues holds now, changed by each queue as it grows
/// and shrinks, once per batch.
final class QueueDepth: Sendable {
    private let messageCount = ManagedAtomic<Int>(0)
    private let byteCount = ManagedAtomic<Int>(0)

    init() {}

    func add(messages: Int, bytes: Int) {
        if messages != 0 { messageCount.wrappingIncrement(by: messages, ordering: .relaxed) }
        if bytes != 0 { byteCount.wrappingIncrement(by: bytes, ordering: .relaxed) }
    }

    var messages: Int { messageCount.load(ordering: .relaxed) }
    var bytes: Int { byteCount.load(ordering: .relaxed) }
}
