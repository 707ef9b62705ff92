import TernProtocol
import TernSettingValues

extension BrokerSetting {
    /// Every setting of a broker process, in the order they are read and listed: a setting's
    /// range may depend on the settings before it (a mailbox holds at least one frame of the
    /// largest size).
    public static let all: [BrokerSetting] = [
        BrokerSetting(
            "listen", form: .address, valueName: "host:port", default: "\(BrokerSettings().listen)", help: "Address to listen on.",
            parse: { ServerAddress($0) }, store: { address, settings in settings.listen = address }
        ),
        BrokerSetting(
            "client-advertise", form: .text, valueName: "host:port,...", default: "none; in a cluster, every member's listen address",
            help: "Addresses clients reach this broker at, sent to them in SERVERS (with the other members' in a cluster) to reconnect to.",
            parse: { text in text.split(separator: ",", omittingEmptySubsequences: false).map { ServerAddress(String($0).filter { !$0.isWhitespace }) } },
            refusing: { addresses, _ in
                addresses.allSatisfy { ($0?.port ?? 0) > 0 } ? nil : "must be host:port addresses with a port, comma-separated"
            },
            store: { addresses, settings in settings.clientAdvertise = addresses.compactMap { $0 } }
        ),
        BrokerSetting(
            "data-dir", form: .text, valueName: "dir", default: BrokerSettings().dataDirectory,
            help: "Directory for the broker's state; generated certificates go to its tls/.",
            parse: { $0 }, refusing: { path, _ in path.isEmpty ? "must not be empty" : nil },
            store: { path, settings in settings.dataDirectory = path }
        ),
        .file("tls-cert", \.certificateFile, default: "<data-dir>/tls/server.pem, created if missing", help: "Server certificate chain (PEM)."),
        .file("tls-key", \.keyFile, default: "<data-dir>/tls/server.key, created if missing", help: "Private key of tls-cert (PEM)."),
        .file("tls-client-ca", \.clientCAFile, default: "none", help: "Require client certificates signed by this CA (PEM): mutual TLS."),
        BrokerSetting(
            "no-tls", form: .switch, valueName: "true|false", default: "false", help: "Serve plaintext, for local experiments and benchmarks.",
            parse: { Form.state($0) }, store: { plaintext, settings in settings.usesTLS = !plaintext }
        ),
        BrokerSetting(
            "watch-config", form: .switch, valueName: "true|false", default: "false",
            help: "Reload the config file's users, permissions, topics and TLS files when it changes, as SIGHUP does.",
            parse: { Form.state($0) }, store: { watches, settings in settings.watchesConfig = watches }
        ),
        .choice("log-level", \.logLevel, valueName: "level", help: "What to log, to standard error: trace, debug, info, notice, warning, error or critical."),
        .choice("log-format", \.logFormat, valueName: "format", help: "How log lines are written: text, or json (one object per line, for log shippers)."),
        BrokerSetting(
            "monitor", form: .address, valueName: "host:port", default: "off",
            help: "Serve monitoring over HTTP here: /metrics (Prometheus), /healthz, /stats, /connections, /topics; 127.0.0.1:8377 is usual.",
            parse: { ServerAddress($0) }, store: { address, settings in settings.configuration.monitor = address }
        ),
        BrokerSetting(
            metricsTopicsKey, form: .patterns, valueName: "patterns", default: "none",
            help: "Topics with series of their own in /metrics: patterns separated by spaces ('orders.> audit.*'); the totals cover every topic.",
            parse: { text in
                let patterns = text.split(separator: " ").map(String.init)
                return patterns.allSatisfy { TopicSyntax.problem(withPattern: $0) == nil } ? patterns : nil
            },
            store: { patterns, settings in settings.configuration.metricsTopics = patterns }
        ),
        .count("max-connections", \.configuration.maxConnections, in: { _ in 1...BrokerSettings.maxConnections }, help: "Most client connections at once."),
        .count(
            "event-loops", \.eventLoops, default: "half the cores, at least 1", in: { _ in 1...BrokerSettings.maxEventLoops },
            help: "Threads that run connections and topics."
        ),
        .duration(
            "poll-window", \.configuration.inputPollWindow, in: .microseconds(1)...Duration.milliseconds(10), allowingZero: true,
            help: "How long an event loop keeps polling its sockets after a request or a reply before it sleeps, so that the answer finds it awake, for CPU while it polls; 0 turns it off. Worth it on a host whose clients run elsewhere."
        ),
        .duration(
            "scheduler-slice", \.schedulerSlice, in: .microseconds(100)...Duration.milliseconds(100), allowingZero: true,
            help: "The scheduling slice the event loops' threads ask Linux for (6.12 and later): with a short one, a loop writing to many subscribers finishes before the threads it wakes take its core; 0 keeps the kernel's default."
        ),
        .size(
            "max-frame-size", \.maxFrameSize, in: { _ in BrokerSettings.minimumFrameSize...Int(UInt32.max) },
            help: "Largest frame, announced in WELCOME; a longer length prefix closes the connection."
        ),
        .size("max-payload", \.configuration.limits.maxPayloadLength, default: "max-frame-size minus 4KiB", help: "Largest payload of a publish, request or reply.") {
            size, settings in
            let frame = settings.configuration.limits.maxFrameLength
            return size.bytes < frame ? nil : "(\(size.bytes) bytes) must be smaller than max-frame-size (\(frame) bytes)"
        },
        .size("max-header-bytes", \.configuration.limits.maxHeaderBytes, help: "Most bytes of header names and values in one frame.") { size, settings in
            let frame = settings.configuration.limits.maxFrameLength
            return size.bytes < frame ? nil : "(\(size.bytes)) must be smaller than max-frame-size (\(frame) bytes)"
        },
        .count("max-topic-length", \.configuration.limits.maxTopicLength, in: { _ in 1...Int(UInt16.max) }, help: "Longest topic or pattern, in bytes."),
        .count("max-subscriptions", \.configuration.limits.maxSubscriptions, in: { _ in 1...Int(UInt32.max) }, help: "Most subscriptions one connection holds."),
        .count(
            "max-total-subscriptions", \.configuration.maxTotalSubscriptions, in: { _ in 1...SettingRange.maxMessages },
            help: "Most subscriptions of all connections together, responders included."
        ),
        .count(
            "max-topics", \.configuration.maxTopics, in: { _ in 1...SettingRange.maxMessages },
            help: "Most topics at once; a publish that would create one more is refused (too_many_topics)."
        ),
        .size(
            "max-pending-bytes", \.configuration.maxPendingOutboundBytes, in: { $0.leastPendingBytes...SettingRange.maxBytes },
            help: "Most bytes waiting to be written to one connection before it is closed; at least 1MiB plus twice max-frame-size."
        ),
        .duration(
            "request-timeout", \.configuration.requestTimeout, in: .milliseconds(1)...Duration.milliseconds(UInt32.max),
            help: "How long a request that names no timeout waits for its reply."
        ),
        .count(
            "max-requests-in-flight", \.configuration.maxRequestsInFlight, in: { _ in 1...SettingRange.maxMessages },
            help: "Most requests one connection's responders hold unanswered; more are refused (too_many_requests)."
        ),
        .duration("handshake-timeout", \.configuration.handshakeTimeout, in: .milliseconds(10)...SettingRange.maxDuration, help: "How long a client has for TLS and HELLO."),
        .duration(
            "ping-interval", \.configuration.pingInterval, in: .milliseconds(10)...SettingRange.maxDuration, allowingZero: true,
            help: "How often a quiet connection is pinged; two unanswered pings close it; 0 turns pings off."
        ),
        .choice(
            "overflow-policy", \.configuration.mailbox.policy, valueName: "policy", appliesPerTopic: true,
            help: "What a topic does when a subscriber cannot keep up: block, drop-oldest, drop-newest or reject."
        ),
        .count(
            "mailbox-messages", \.configuration.mailbox.capacity.messages, appliesPerTopic: true, in: { _ in 1...SettingRange.maxMessages },
            help: "Messages a topic's mailbox holds."
        ),
        .size(
            "mailbox-bytes", \.configuration.mailbox.capacity.bytes, appliesPerTopic: true, in: { $0.leastQueueBytes...SettingRange.maxBytes },
            help: "Bytes a topic's mailbox holds; at least max-frame-size."
        ),
        .count(
            "subscriber-queue-messages", \.configuration.subscriberQueue.messages, in: { _ in 1...SettingRange.maxMessages },
            help: "Messages queued for one subscription."
        ),
        .size(
            "subscriber-queue-bytes", \.configuration.subscriberQueue.bytes, in: { $0.leastQueueBytes...SettingRange.maxBytes },
            help: "Bytes queued for one subscription; at least max-frame-size."
        ),
        .duration(
            "slow-consumer-timeout", \.configuration.slowConsumerTimeout, in: .milliseconds(10)...SettingRange.maxDuration,
            help: "How long a subscriber that holds a block or reject topic back may take nothing before it is disconnected."
        ),
        .duration(
            "shutdown-timeout", \.configuration.shutdownTimeout, in: .zero...SettingRange.maxDuration,
            help: "How long SIGTERM waits for subscribers to take what the broker accepted; the rest is reported to them and logged."
        ),
        .duration(
            "lame-duck-duration", \.configuration.lameDuckDuration, in: .milliseconds(1)...SettingRange.maxDuration,
            help: "Over how long SIGUSR2 (lame duck mode) closes the connections, so that clients move to other brokers without a thundering herd; then ternd exits."
        ),
    ] + cluster

    /// The key of the setting that lists the topics with series of their own in the metrics,
    /// `"metrics": {"topics": […]}` in a settings file.
    static let metricsTopicsKey = "metrics-topics"

    /// The setting with `key`, if there is one.
    public static func named(_ key: String) -> BrokerSetting? {
        all.first { $0.key == key }
    }
}
