import NIOCore
import TernProtocol
import TernTLS

/// Everything a broker needs to run. The defaults are those of `ternd` with no flags.
public struct BrokerConfiguration: Sendable {
    /// Where to listen; port 0 picks a free one (see ``BrokerServer/port``).
    public var listen = ServerAddress.local
    /// TLS for every connection; `nil` serves plaintext.
    public var tls: TLSContext?
    /// The limits announced to clients in WELCOME and enforced on their frames.
    public var limits = Limits.defaults
    /// Every topic's mailbox, unless an override matches it.
    public var mailbox = MailboxSettings(capacity: QueueCapacity(messages: 65_536, bytes: 64 << 20), policy: .block)
    /// Mailbox settings for topics matching a pattern; the first match wins.
    public var topicOverrides: [TopicOverride] = []
    /// Each subscription's outbound queue.
    public var subscriberQueue = QueueCapacity(messages: 65_536, bytes: 16 << 20)
    /// How long a subscriber that holds a `block` or `reject` topic back may take nothing before
    /// it is disconnected.
    public var slowConsumerTimeout = TimeAmount.seconds(5)
    /// How long a topic with no subscribers and no traffic lives on.
    public var idleTopicRetirement = TimeAmount.seconds(60)
    /// How long a client has for TLS and HELLO.
    public var handshakeTimeout = TimeAmount.seconds(10)
    /// How long an event loop keeps polling its sockets after input that holds a request or a
    /// reply, before it sleeps (see ``InputPolling``); zero, the default, turns polling off.
    public var inputPollWindow = TimeAmount.zero
    /// How often a quiet connection is pinged; it is closed after two unanswered pings.
    public var pingInterval = TimeAmount.seconds(30)
    public var maxConnections = 65_536
    /// How long the broker waits for the reply to a REQUEST that asks for its default (a
    /// timeout of 0).
    public var requestTimeout = TimeAmount.seconds(10)
    /// The most requests one connection's responders may hold unanswered; a request beyond it
    /// is answered `too_many_requests`.
    public var maxRequestsInFlight = 65_536
    /// The most topics the broker holds at once; a publish that would create one more is
    /// refused with `too_many_topics`. Idle topics are retired and do not count.
    public var maxTopics = 1_000_000
    /// The most subscriptions (responders included) of all connections together; a SUBSCRIBE
    /// beyond it is refused with `too_many_subscriptions`.
    public var maxTotalSubscriptions = 1_000_000
    /// The most bytes a connection may have waiting to be written to its socket; a connection
    /// over it is closed with `outbound_limit_exceeded`. It should leave room for the write
    /// buffer's high watermark (1 MiB) plus two frames of ``Limits/maxFrameLength``.
    public var maxPendingOutboundBytes = 32 << 20
    /// How long a graceful shutdown waits for subscribers to take the messages the broker
    /// accepted before it; what is left then is discarded, reported to each subscriber in a
    /// DROP_NOTICE with the count, and logged. The default, 25 seconds, finishes within the
    /// 30 seconds Kubernetes and the 90 seconds systemd give a service to stop before they kill
    /// it, and is long enough for a subscriber that is merely slow to take a full queue.
    public var shutdownTimeout = TimeAmount.seconds(25)
    /// Over how long lame duck mode (``BrokerServer/enterLameDuckMode()``) closes the
    /// connections, one after the other at even intervals.
    public var lameDuckDuration = TimeAmount.seconds(30)
    /// Where the broker keeps its state (the schema registry); `nil` keeps it in memory. The
    /// broker locks it (`ternd.lock`) for as long as its process runs, so that no other process
    /// uses it at the same time.
    public var dataDirectory: String?
    /// Where the monitoring listener (HTTP: `/metrics`, `/healthz`, `/stats`, `/connections`,
    /// `/topics`) listens; `nil`, the default, runs none.
    public var monitor: ServerAddress?
    /// The patterns of the topics that get series of their own in the metrics (`orders.>`): the
    /// number of series stays bounded by configuration. The totals cover every topic.
    public var metricsTopics: [String] = []
    /// Who may connect and what each may do; without users (the default) every client may do
    /// everything, as on a broker with no configuration.
    public var authorization = Authorization.open
    /// How long after its HELLO a client that failed to authenticate hears so: the same for
    /// every failure, so that its timing tells nothing, and long enough to make guessing slow.
    public var authenticationFailureDelay = TimeAmount.milliseconds(500)
    /// What the broker announces in SERVERS; `nil` announces nothing (the feature is off).
    public var announcedServers: AnnouncedServers?
    /// This server's id, sent in WELCOME.
    public var serverID = "ternd-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)

    public init() {}

    /// The features of every connection; AUTHENTICATION is added on those that authenticated.
    var features: Features {
        let features: Features = [.acknowledgements, .queueGroups, .requestReply, .schemas, .lameDuck]
        return announcedServers == nil ? features : features.union(.servers)
    }
}
