import Logging
import NIOCore
import TernBroker
import TernCommandSupport
import TernProtocol
import TernTLS

/// The daemon's settings after merging, in order of precedence, flags, the config file and the
/// defaults, each checked against its range.
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
    static let maxEventLoops = 1024
    static let maxConnections = 1 << 24

    init(flags: TerndCommand, file: ConfigFile?) throws(DaemonError) {
        if let listen = try Self.pick(flags.listen, file?.listen, ServerAddress.init(argument:), "listen") {
            configuration.host = listen.host
            configuration.port = listen.port
        }
        dataDirectory = flags.dataDir ?? file?.dataDir ?? dataDirectory
        guard !dataDirectory.isEmpty else { throw DaemonError("data-dir must not be empty") }
        if let level = try Self.pick(flags.logLevel, file?.logLevel, Logger.Level.init(rawValue:), "log-level") { logLevel = level }
        useTLS = !(flags.noTLS || file?.noTLS == true)
        certificateFile = flags.tlsCert ?? file?.tlsCert
        keyFile = flags.tlsKey ?? file?.tlsKey
        clientCAFile = flags.tlsClientCA ?? file?.tlsClientCA
        guard (certificateFile == nil) == (keyFile == nil) else { throw DaemonError("--tls-cert and --tls-key go together") }
        if !useTLS, certificateFile != nil || clientCAFile != nil {
            throw DaemonError("no-tls cannot be combined with tls-cert, tls-key or tls-client-ca")
        }
        // The limits first: the mailbox and queue sizes must hold a frame of the largest size.
        try applyLimits(flags: flags, file: file)

        configuration.mailbox = try Self.mailbox(
            base: configuration.mailbox, policy: Self.pick(flags.overflowPolicy, file?.overflowPolicy, OverflowPolicy.init(rawValue:), "overflow-policy"),
            messages: flags.mailboxMessages ?? file?.mailboxMessages,
            bytes: Self.pick(flags.mailboxBytes, file?.mailboxBytes, ByteCountArgument.init(argument:), "mailbox-bytes"),
            names: ("mailbox-messages", "mailbox-bytes"), leastBytes: Int(configuration.limits.maxFrameLength)
        )
        if let messages = flags.subscriberQueueMessages ?? file?.subscriberQueueMessages {
            try SettingRange.check(messages, "subscriber-queue-messages", in: 1...SettingRange.maxMessages)
            configuration.subscriberQueue.messages = messages
        }
        if let bytes = try Self.pick(flags.subscriberQueueBytes, file?.subscriberQueueBytes, ByteCountArgument.init(argument:), "subscriber-queue-bytes") {
            try SettingRange.check(bytes, "subscriber-queue-bytes", in: Int(configuration.limits.maxFrameLength)...SettingRange.maxBytes)
            configuration.subscriberQueue.bytes = bytes.bytes
        }
        if let timeout = try Self.pick(flags.slowConsumerTimeout, file?.slowConsumerTimeout, DurationArgument.init(argument:), "slow-consumer-timeout") {
            try SettingRange.check(timeout, "slow-consumer-timeout", in: .milliseconds(10)...SettingRange.maxDuration)
            configuration.slowConsumerTimeout = .nanoseconds(timeout.nanoseconds)
        }
        if let timeout = try Self.pick(flags.shutdownTimeout, file?.shutdownTimeout, DurationArgument.init(argument:), "shutdown-timeout") {
            try SettingRange.check(timeout, "shutdown-timeout", in: .zero...SettingRange.maxDuration)
            configuration.shutdownTimeout = .nanoseconds(timeout.nanoseconds)
        }
        if let connections = flags.maxConnections ?? file?.maxConnections {
            try SettingRange.check(connections, "max-connections", in: 1...Self.maxConnections)
            configuration.maxConnections = connections
        }
        if let loops = flags.eventLoops ?? file?.eventLoops {
            try SettingRange.check(loops, "event-loops", in: 1...Self.maxEventLoops)
            eventLoops = loops
        }
        let frame = Int(configuration.limits.maxFrameLength)
        for (name, bytes) in [("mailbox-bytes", configuration.mailbox.capacity.bytes), ("subscriber-queue-bytes", configuration.subscriberQueue.bytes)] where bytes < frame {
            throw DaemonError("\(name) (\(ByteCountArgument(bytes: bytes))) must be at least max-frame-size (\(ByteCountArgument(bytes: frame)))")
        }
        let base = configuration.mailbox
        let leastBytes = Int(configuration.limits.maxFrameLength)
        configuration.topicOverrides = try (file?.topics ?? []).map { topic throws(DaemonError) in
            if let problem = TopicSyntax.problem(withPattern: topic.pattern) {
                throw DaemonError("config file: topics: \(problem)")
            }
            return TopicOverride(pattern: topic.pattern, settings: try Self.mailbox(
                base: base, policy: Self.pick(nil, topic.overflowPolicy, OverflowPolicy.init(rawValue:), "topics.overflow-policy"),
                messages: topic.mailboxMessages,
                bytes: Self.pick(nil, topic.mailboxBytes, ByteCountArgument.init(argument:), "topics.mailbox-bytes"),
                names: ("topics.mailbox-messages", "topics.mailbox-bytes"), leastBytes: leastBytes
            ))
        }
    }

    /// `base` with the given values, each checked: a mailbox must hold at least one message of
    /// the largest size.
    private static func mailbox(
        base: MailboxSettings, policy: OverflowPolicy?, messages: Int?, bytes: ByteCountArgument?, names: (messages: String, bytes: String), leastBytes: Int
    ) throws(DaemonError) -> MailboxSettings {
        var settings = base
        if let policy { settings.policy = policy }
        if let messages {
            try SettingRange.check(messages, names.messages, in: 1...SettingRange.maxMessages)
            settings.capacity.messages = messages
        }
        if let bytes {
            try SettingRange.check(bytes, names.bytes, in: leastBytes...SettingRange.maxBytes)
            settings.capacity.bytes = bytes.bytes
        }
        return settings
    }

    /// The flag's value if given, else the config file's parsed; fails naming the setting.
    static func pick<Value>(_ flag: Value?, _ file: String?, _ parse: (String) -> Value?, _ name: String) throws(DaemonError) -> Value? {
        if let flag { return flag }
        guard let text = file else { return nil }
        guard let value = parse(text) else { throw DaemonError("invalid value '\(text)' for \(name) in the config file") }
        return value
    }
}
