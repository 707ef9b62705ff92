import Logging
import NIOCore
import TernBroker
import TernCommandSupport
import TernProtocol
import TernTLS

/// The daemon's settings after merging, in order of precedence, flags, the config file and the defaults.
struct DaemonSettings {
    var configuration = BrokerConfiguration()
    var dataDirectory = ".tern"
    var logLevel = Logger.Level.info
    var useTLS = true
    var certificateFile: String?
    var keyFile: String?
    var clientCAFile: String?
    /// The threads that run connections and topics.
    var eventLoops = Self.defaultEventLoops

    /// Half the cores, at least one. A hand-off between two loops wakes another thread, for
    /// each batch of messages and each request, and on a machine shared with clients (or with
    /// the kernel's network work) fewer, busier loops move more and answer sooner; one loop per
    /// two cores still spreads a many-core server's connections.
    static let defaultEventLoops = max(1, System.coreCount / 2)

    init(flags: TerndCommand, file: ConfigFile?) throws(DaemonError) {
        if let listen = try Self.pick(flags.listen, file?.listen, ServerAddress.init(argument:), "listen") {
            configuration.host = listen.host
            configuration.port = listen.port
        }
        dataDirectory = flags.dataDir ?? file?.dataDir ?? dataDirectory
        if let level = try Self.pick(flags.logLevel, file?.logLevel, Logger.Level.init(rawValue:), "log-level") { logLevel = level }
        useTLS = !(flags.noTLS || file?.noTLS == true)
        certificateFile = flags.tlsCert ?? file?.tlsCert
        keyFile = flags.tlsKey ?? file?.tlsKey
        clientCAFile = flags.tlsClientCA ?? file?.tlsClientCA
        guard (certificateFile == nil) == (keyFile == nil) else { throw DaemonError("--tls-cert and --tls-key go together") }

        var mailbox = configuration.mailbox
        if let policy = try Self.pick(flags.overflowPolicy, file?.overflowPolicy, OverflowPolicy.init(rawValue:), "overflow-policy") {
            mailbox.policy = policy
        }
        mailbox.capacity.messages = try Self.positive(flags.mailboxMessages ?? file?.mailboxMessages, "mailbox-messages") ?? mailbox.capacity.messages
        if let bytes = try Self.pick(flags.mailboxBytes, file?.mailboxBytes, ByteCountArgument.init(argument:), "mailbox-bytes") {
            mailbox.capacity.bytes = bytes.bytes
        }
        configuration.mailbox = mailbox
        configuration.subscriberQueue.messages = try Self.positive(
            flags.subscriberQueueMessages ?? file?.subscriberQueueMessages, "subscriber-queue-messages"
        ) ?? configuration.subscriberQueue.messages
        if let bytes = try Self.pick(flags.subscriberQueueBytes, file?.subscriberQueueBytes, ByteCountArgument.init(argument:), "subscriber-queue-bytes") {
            configuration.subscriberQueue.bytes = bytes.bytes
        }
        if let timeout = try Self.pick(flags.slowConsumerTimeout, file?.slowConsumerTimeout, DurationArgument.init(argument:), "slow-consumer-timeout") {
            configuration.slowConsumerTimeout = .nanoseconds(timeout.nanoseconds)
        }
        configuration.maxConnections = try Self.positive(flags.maxConnections ?? file?.maxConnections, "max-connections") ?? configuration.maxConnections
        eventLoops = try Self.positive(flags.eventLoops ?? file?.eventLoops, "event-loops") ?? eventLoops
        guard eventLoops <= Self.maxEventLoops else { throw DaemonError("event-loops must be at most \(Self.maxEventLoops), not \(eventLoops)") }
        try applyLimits(flags: flags, file: file)
        configuration.topicOverrides = try (file?.topics ?? []).map { topic throws(DaemonError) in try Self.override(topic, base: mailbox) }
    }

    private static func override(_ topic: ConfigFile.TopicSettings, base: MailboxSettings) throws(DaemonError) -> TopicOverride {
        var settings = base
        if let problem = TopicSyntax.problem(withPattern: topic.pattern) {
            throw DaemonError("config file: topics: \(problem)")
        }
        if let policy = try pick(nil, topic.overflowPolicy, OverflowPolicy.init(rawValue:), "topics.overflow-policy") { settings.policy = policy }
        settings.capacity.messages = try positive(topic.mailboxMessages, "topics.mailbox-messages") ?? settings.capacity.messages
        if let bytes = try pick(nil, topic.mailboxBytes, ByteCountArgument.init(argument:), "topics.mailbox-bytes") {
            settings.capacity.bytes = bytes.bytes
        }
        return TopicOverride(pattern: topic.pattern, settings: settings)
    }

    /// The flag's value if given, else the config file's parsed; fails naming the setting.
    static func pick<Value>(_ flag: Value?, _ file: String?, _ parse: (String) -> Value?, _ name: String) throws(DaemonError) -> Value? {
        if let flag { return flag }
        guard let text = file else { return nil }
        guard let value = parse(text) else { throw DaemonError("invalid value '\(text)' for \(name) in the config file") }
        return value
    }

    static let maxEventLoops = 1024

    static func positive(_ value: Int?, _ name: String) throws(DaemonError) -> Int? {
        guard let value else { return nil }
        guard value > 0 else { throw DaemonError("\(name) must be positive, not \(value)") }
        return value
    }
}
