#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The broker's summary, as `/stats` serves it and `tern stats` prints it.
public struct ServerStats: Codable, Sendable, Hashable {
    /// Tern's version.
    public var version: String
    /// The id the broker sends its clients in WELCOME.
    public var serverID: String
    public var startedAt: Date
    public var now: Date
    public var uptimeSeconds: Double
    public var health: HealthReport
    public var settings: Settings
    public var totals: Totals
    public var rates: Rates
    /// The node's cluster and routes; `nil` for a broker that runs alone.
    public var cluster: ClusterStats?

    public init(
        version: String, serverID: String, startedAt: Date, now: Date, uptimeSeconds: Double, health: HealthReport, settings: Settings,
        totals: Totals, rates: Rates, cluster: ClusterStats? = nil
    ) {
        self.version = version
        self.serverID = serverID
        self.startedAt = startedAt
        self.now = now
        self.uptimeSeconds = uptimeSeconds
        self.health = health
        self.settings = settings
        self.totals = totals
        self.rates = rates
        self.cluster = cluster
    }

    /// The settings an operator looks at first.
    public struct Settings: Codable, Sendable, Hashable {
        /// Where clients connect.
        public var listen: String
        /// Where the monitoring listener is.
        public var monitor: String?
        public var tls: Bool
        public var mutualTLS: Bool
        public var maxConnections: Int
        public var maxPayload: Int
        public var maxTopics: Int
        public var overflowPolicy: String
        public var mailboxMessages: Int
        public var mailboxBytes: Int
        public var subscriberQueueMessages: Int
        public var subscriberQueueBytes: Int
        public var slowConsumerTimeoutSeconds: Double
        public var shutdownTimeoutSeconds: Double
        /// The patterns of the topics with series of their own in `/metrics`.
        public var metricsTopics: [String]

        public init(
            listen: String, monitor: String?, tls: Bool, mutualTLS: Bool, maxConnections: Int, maxPayload: Int, maxTopics: Int,
            overflowPolicy: String, mailboxMessages: Int, mailboxBytes: Int, subscriberQueueMessages: Int, subscriberQueueBytes: Int,
            slowConsumerTimeoutSeconds: Double, shutdownTimeoutSeconds: Double, metricsTopics: [String]
        ) {
            self.listen = listen
            self.monitor = monitor
            self.tls = tls
            self.mutualTLS = mutualTLS
            self.maxConnections = maxConnections
            self.maxPayload = maxPayload
            self.maxTopics = maxTopics
            self.overflowPolicy = overflowPolicy
            self.mailboxMessages = mailboxMessages
            self.mailboxBytes = mailboxBytes
            self.subscriberQueueMessages = subscriberQueueMessages
            self.subscriberQueueBytes = subscriberQueueBytes
            self.slowConsumerTimeoutSeconds = slowConsumerTimeoutSeconds
            self.shutdownTimeoutSeconds = shutdownTimeoutSeconds
            self.metricsTopics = metricsTopics
        }
    }

    /// Counts since the broker started, and what is there now.
    public struct Totals: Codable, Sendable, Hashable {
        /// Open connections now.
        public var connections: Int
        /// Connections accepted since the start.
        public var connectionsAccepted: UInt64
        public var connectionsRefused: UInt64
        public var topics: Int
        public var subscriptions: Int
        public var messagesReceived: UInt64
        public var bytesReceived: UInt64
        public var messagesDelivered: UInt64
        public var bytesDelivered: UInt64
        public var publishesRefused: UInt64
        public var messagesDropped: UInt64
        public var slowConsumers: UInt64
        public var requests: UInt64
        public var requestsWithoutResponders: UInt64
        public var requestsTimedOut: UInt64
        public var mailboxMessages: Int
        public var mailboxBytes: Int
        public var subscriberQueueMessages: Int
        public var subscriberQueueBytes: Int

        public init(
            connections: Int, connectionsAccepted: UInt64, connectionsRefused: UInt64, topics: Int, subscriptions: Int,
            messagesReceived: UInt64, bytesReceived: UInt64, messagesDelivered: UInt64, bytesDelivered: UInt64, publishesRefused: UInt64,
            messagesDropped: UInt64, slowConsumers: UInt64, requests: UInt64, requestsWithoutResponders: UInt64, requestsTimedOut: UInt64,
            mailboxMessages: Int, mailboxBytes: Int, subscriberQueueMessages: Int, subscriberQueueBytes: Int
        ) {
            self.connections = connections
            self.connectionsAccepted = connectionsAccepted
            self.connectionsRefused = connectionsRefused
            self.topics = topics
            self.subscriptions = subscriptions
            self.messagesReceived = messagesReceived
            self.bytesReceived = bytesReceived
            self.messagesDelivered = messagesDelivered
            self.bytesDelivered = bytesDelivered
            self.publishesRefused = publishesRefused
            self.messagesDropped = messagesDropped
            self.slowConsumers = slowConsumers
            self.requests = requests
            self.requestsWithoutResponders = requestsWithoutResponders
            self.requestsTimedOut = requestsTimedOut
            self.mailboxMessages = mailboxMessages
            self.mailboxBytes = mailboxBytes
            self.subscriberQueueMessages = subscriberQueueMessages
            self.subscriberQueueBytes = subscriberQueueBytes
        }
    }

    /// Per second, over the last second the broker measured.
    public struct Rates: Codable, Sendable, Hashable {
        public var messagesReceived: Double
        public var bytesReceived: Double
        public var messagesDelivered: Double
        public var bytesDelivered: Double

        public init(messagesReceived: Double, bytesReceived: Double, messagesDelivered: Double, bytesDelivered: Double) {
            self.messagesReceived = messagesReceived
            self.bytesReceived = bytesReceived
            self.messagesDelivered = messagesDelivered
            self.bytesDelivered = bytesDelivered
        }
    }
}
