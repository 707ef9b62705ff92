import Configuration
import TernProtocol
import TernSettingValues

extension BrokerSettings {
    /// Reads every setting of ``BrokerSetting/all`` from `config` under its key
    /// (`mailbox-bytes`), taking the default for each that is not set, the mailbox
    /// overrides of topic patterns under `topics.N` (`topics.0.pattern`,
    /// `topics.0.overflow-policy`, …; an entry's unset values are the broker's), and the users
    /// under `authorization.users.N` (``UserEntry``).
    ///
    /// Every value is read as text, as on a command line (`"64MiB"`, `"65536"`, `"true"`): a
    /// provider that holds a number or a boolean for a setting fails to read it (the settings
    /// file, ``BrokerSettingsFile``, turns its JSON numbers and booleans into text). Each value is
    /// checked against its setting's range, which may depend on the settings read before it, and
    /// then against the others: a mailbox or a queue must hold a frame of the largest size, TLS
    /// files go together.
    ///
    /// - Throws: ``BrokerSettingError`` naming the first setting that is not right, or that a
    ///   provider of `config` failed to read.
    public init(config: ConfigReader) async throws(BrokerSettingError) {
        self.init()
        for setting in BrokerSetting.all {
            if let text = try await Self.text(of: [setting.key], in: config) {
                try setting.apply(text, &self)
            }
        }
        try checkCombinations()
        configuration.topicOverrides = try await topicOverrides(in: config)
        configuration.authorization = try await Self.authorization(in: config)
    }

    /// The text of the setting at `key`; a provider's failure is refused in the setting's name.
    static func text(of key: [String], in config: ConfigReader) async throws(BrokerSettingError) -> String? {
        do {
            return try await config.fetchString(forKey: ConfigKey(key))
        } catch {
            throw BrokerSettingError(key: key, problem: .refused("could not be read: \(error)"))
        }
    }

    /// Checks what no single setting's range covers.
    private func checkCombinations() throws(BrokerSettingError) {
        try cluster.checkCombinations()
        guard (certificateFile == nil) == (keyFile == nil) else {
            throw BrokerSettingError(key: ["tls-cert"], problem: .refused("and tls-key go together"))
        }
        if !usesTLS, certificateFile != nil || clientCAFile != nil {
            throw BrokerSettingError(key: ["no-tls"], problem: .refused("cannot be combined with tls-cert, tls-key or tls-client-ca"))
        }
        // The defaults too must hold a frame of the largest size.
        let frame = ByteCount(bytes: leastQueueBytes)
        for (key, bytes) in [("mailbox-bytes", configuration.mailbox.capacity.bytes), ("subscriber-queue-bytes", configuration.subscriberQueue.bytes)]
        where bytes < frame.bytes {
            throw BrokerSettingError(key: [key], problem: .refused("(\(ByteCount(bytes: bytes))) must be at least max-frame-size (\(frame))"))
        }
        guard configuration.maxPendingOutboundBytes >= leastPendingBytes else {
            throw BrokerSettingError(key: ["max-pending-bytes"], problem: .refused(
                "must be at least 1MiB plus twice max-frame-size (\(leastPendingBytes) bytes), not \(configuration.maxPendingOutboundBytes)"
            ))
        }
    }

    /// The mailbox overrides under `topics.0`, `topics.1`, … up to the first index without a
    /// pattern; each entry's settings are those of ``BrokerSetting/all`` that apply per topic.
    private func topicOverrides(in config: ConfigReader) async throws(BrokerSettingError) -> [TopicOverride] {
        var overrides: [TopicOverride] = []
        while true {
            let entry = ["topics", "\(overrides.count)"]
            guard let pattern = try await Self.text(of: entry + ["pattern"], in: config) else { return overrides }
            if let problem = TopicSyntax.problem(withPattern: pattern) {
                throw BrokerSettingError(key: entry + ["pattern"], problem: .invalidValue(pattern, expected: problem))
            }
            var topic = self
            for setting in BrokerSetting.all where setting.appliesPerTopic {
                guard let text = try await Self.text(of: entry + [setting.key], in: config) else { continue }
                do {
                    try setting.apply(text, &topic)
                } catch {
                    throw error.within(entry)
                }
            }
            overrides.append(TopicOverride(pattern: pattern, settings: topic.configuration.mailbox))
        }
    }
}
