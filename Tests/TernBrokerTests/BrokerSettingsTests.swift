import Configuration
import Foundation
import NIOCore
import Testing
import TernBroker
import TernEtcd
import TernProtocol

/// ``BrokerSettings`` read through a `ConfigReader`, and the settings file.
@Suite struct BrokerSettingsTests {
    /// The settings read from `values`, each a dotted key (`topics.0.pattern`) and its text.
    private func read(_ values: [String: String]) async throws(BrokerSettingError) -> BrokerSettings {
        let provider = InMemoryProvider(values: Dictionary(uniqueKeysWithValues: values.map { key, text in
            (AbsoluteConfigKey(key.split(separator: ".").map(String.init)), ConfigValue(.string(text), isSecret: false))
        }))
        return try await BrokerSettings(config: ConfigReader(provider: provider))
    }

    /// The error reading `values` fails with.
    private func refusal(_ values: [String: String]) async -> String? {
        do {
            _ = try await read(values)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func withNothingSetTheSettingsAreTheDefaults() async throws {
        let settings = try await read([:])
        let defaults = BrokerSettings()
        #expect(settings.configuration.listen == .local)
        #expect(settings.configuration.limits == Limits.defaults)
        #expect(settings.configuration.mailbox == defaults.configuration.mailbox)
        #expect(settings.configuration.subscriberQueue == defaults.configuration.subscriberQueue)
        #expect(settings.configuration.topicOverrides.isEmpty)
        #expect(settings.dataDirectory == ".tern" && settings.usesTLS && settings.logLevel == .info)
        #expect(settings.eventLoops == defaults.eventLoops)
        #expect(settings.schedulerSlice == .microseconds(100))
    }

    @Test func everySettingIsReadUnderItsKey() async throws {
        let values = [
            "listen": "[::1]:9000", "data-dir": "/var/lib/tern", "tls-cert": "server.pem", "tls-key": "server.key", "tls-client-ca": "ca.pem",
            "log-level": "debug", "max-connections": "10", "event-loops": "3", "max-frame-size": "2MiB", "max-payload": "1MiB",
            "max-header-bytes": "8KiB", "max-topic-length": "100", "max-subscriptions": "5", "max-pending-bytes": "64MiB",
            "handshake-timeout": "2s", "ping-interval": "0", "overflow-policy": "drop-newest", "mailbox-messages": "10", "mailbox-bytes": "4MiB",
            "subscriber-queue-messages": "20", "subscriber-queue-bytes": "2MiB", "slow-consumer-timeout": "250ms", "shutdown-timeout": "1m",
            "max-total-subscriptions": "30", "max-topics": "40", "request-timeout": "3s", "max-requests-in-flight": "50",
            "log-format": "json", "monitor": "127.0.0.1:8377", "metrics-topics": "orders.> audit.*",
            "lame-duck-duration": "5s", "poll-window": "250us", "scheduler-slice": "2ms", "client-advertise": "10.0.0.9:8376,[::1]:9000",
            "cluster": "east-1", "etcd": "https://10.0.0.1:2379,http://[::1]", "cluster-listen": "0.0.0.0:8377", "cluster-advertise": "10.0.0.2:8377",
            "cluster-lease-ttl": "5s", "etcd-ca": "etcd-ca.pem", "etcd-cert": "etcd.pem", "etcd-key": "etcd.key",
            "cluster-tls-cert": "node.pem", "cluster-tls-key": "node.key", "cluster-tls-ca": "cluster-ca.pem",
        ]
        #expect(Set(values.keys) == Set(BrokerSetting.all.map(\.key)).subtracting(["no-tls", "watch-config"]), "every setting but the switches")
        let settings = try await read(values)
        let configuration = settings.configuration
        #expect(configuration.listen == ServerAddress(host: "::1", port: 9000))
        #expect(settings.dataDirectory == "/var/lib/tern" && settings.logLevel == .debug && settings.eventLoops == 3)
        #expect(settings.certificateFile == "server.pem" && settings.keyFile == "server.key" && settings.clientCAFile == "ca.pem" && settings.usesTLS)
        #expect(configuration.maxConnections == 10 && configuration.maxPendingOutboundBytes == 64 << 20)
        #expect(configuration.limits == Limits(maxFrameLength: 2 << 20, maxPayloadLength: 1 << 20, maxHeaderBytes: 8 << 10, maxTopicLength: 100, maxSubscriptions: 5))
        #expect(configuration.handshakeTimeout == .seconds(2) && configuration.pingInterval == .zero)
        #expect(configuration.mailbox == MailboxSettings(capacity: QueueCapacity(messages: 10, bytes: 4 << 20), policy: .dropNewest))
        #expect(configuration.subscriberQueue == QueueCapacity(messages: 20, bytes: 2 << 20))
        #expect(configuration.slowConsumerTimeout == .milliseconds(250) && configuration.shutdownTimeout == .minutes(1))
        #expect(configuration.requestTimeout == .seconds(3) && configuration.maxRequestsInFlight == 50)
        #expect(configuration.maxTotalSubscriptions == 30 && configuration.maxTopics == 40)
        #expect(settings.logFormat == .json && configuration.monitor == ServerAddress(host: "127.0.0.1", port: 8377))
        #expect(configuration.metricsTopics == ["orders.>", "audit.*"])
        #expect(configuration.lameDuckDuration == .seconds(5) && configuration.inputPollWindow == .microseconds(250))
        #expect(settings.schedulerSlice == .milliseconds(2))
        #expect(settings.clientAdvertise == [ServerAddress(host: "10.0.0.9", port: 8376), ServerAddress(host: "::1", port: 9000)])
        #expect(settings.announcesServers)
        #expect(settings.cluster.name == "east-1" && settings.cluster.leaseTTL == .seconds(5))
        #expect(settings.cluster.etcd == [EtcdEndpoint(host: "10.0.0.1", port: 2379, usesTLS: true), EtcdEndpoint(host: "::1", port: 2379)])
        #expect(settings.cluster.etcdCAFile == "etcd-ca.pem" && settings.cluster.etcdCertificateFile == "etcd.pem" && settings.cluster.etcdKeyFile == "etcd.key")
        #expect(settings.cluster.routeCertificateFile == "node.pem" && settings.cluster.routeKeyFile == "node.key" && settings.cluster.routeCAFile == "cluster-ca.pem")
        #expect(settings.cluster.listen == ServerAddress(host: "0.0.0.0", port: 8377) && settings.cluster.routeAddress == ServerAddress(host: "10.0.0.2", port: 8377))
        #expect(try await read(["no-tls": "true"]).usesTLS == false)
        #expect(try await read(["no-tls": "no"]).usesTLS == true)
        #expect(try await read(["watch-config": "true"]).watchesConfig)
        #expect(try await read([:]).watchesConfig == false)
    }

    @Test func loopsPollAfterInputOnlyWhenAWindowIsGiven() async throws {
        #expect(try await read([:]).configuration.inputPollWindow == .zero)
        #expect(try await read(["event-loops": "2", "poll-window": "100us"]).configuration.inputPollWindow == .microseconds(100))
    }

    @Test func theMaxFrameSizeSetsTheMaxPayloadUnlessThatIsGivenToo() async throws {
        #expect(try await read(["max-frame-size": "64KiB"]).configuration.limits.maxPayloadLength == 60 << 10)
        #expect(try await read(["max-frame-size": "64KiB", "max-payload": "10KiB"]).configuration.limits.maxPayloadLength == 10 << 10)
    }

    @Test func aRangeMayDependOnTheSettingsBeforeIt() async {
        #expect(await refusal(["mailbox-bytes": "0"]) == "mailbox-bytes must be between 1MiB and 1024GiB, not 0")
        #expect(await refusal(["max-frame-size": "2MiB", "mailbox-bytes": "1MiB"]) == "mailbox-bytes must be between 2MiB and 1024GiB, not 1MiB")
        #expect(await refusal(["max-frame-size": "128MiB"]) == "mailbox-bytes (64MiB) must be at least max-frame-size (128MiB)")
        #expect(await refusal(["max-payload": "2MiB"]) == "max-payload (2097152 bytes) must be smaller than max-frame-size (1048576 bytes)")
        #expect(await refusal(["ping-interval": "5ms"]) == "ping-interval must be 0 or between 10ms and 24h, not 5ms")
        #expect(await refusal(["poll-window": "20ms"]) == "poll-window must be 0 or between 1us and 10ms, not 20ms")
        #expect(await refusal(["scheduler-slice": "50us"]) == "scheduler-slice must be 0 or between 100us and 100ms, not 50us")
        #expect(await refusal(["data-dir": ""]) == "data-dir must not be empty")
        #expect(await refusal(["tls-cert": "server.pem"]) == "tls-cert and tls-key go together")
        #expect(await refusal(["no-tls": "true", "tls-client-ca": "ca.pem"]) == "no-tls cannot be combined with tls-cert, tls-key or tls-client-ca")
        #expect(await refusal(["mailbox-messages": "many"]) == "mailbox-messages: invalid value 'many' (a whole number)")
    }

    @Test func aValueThatIsNotTextIsRefusedNamingItsSetting() async {
        let provider = InMemoryProvider(values: ["mailbox-messages": 1000])
        await #expect(throws: BrokerSettingError.self) {
            _ = try await BrokerSettings(config: ConfigReader(provider: provider))
        }
    }

    @Test func topicEntriesOverrideTheBrokersMailboxForTheirPatterns() async throws {
        let settings = try await read([
            "overflow-policy": "block", "mailbox-bytes": "8MiB",
            "topics.0.pattern": "metrics.>", "topics.0.overflow-policy": "drop-oldest", "topics.0.mailbox-messages": "1000",
            "topics.1.pattern": "audit.*", "topics.1.overflow-policy": "reject",
        ])
        #expect(settings.configuration.topicOverrides == [
            TopicOverride(pattern: "metrics.>", settings: MailboxSettings(capacity: QueueCapacity(messages: 1000, bytes: 8 << 20), policy: .dropOldest)),
            TopicOverride(pattern: "audit.*", settings: MailboxSettings(capacity: QueueCapacity(messages: 65_536, bytes: 8 << 20), policy: .reject)),
        ])
        #expect(await refusal(["topics.0.pattern": "a.>", "topics.0.overflow-policy": "bogus"])
            == "topics[0].overflow-policy: invalid value 'bogus' (block, drop-oldest, drop-newest or reject)")
        #expect(await refusal(["topics.0.pattern": "a.>", "topics.0.mailbox-bytes": "1KiB"]) == "topics[0].mailbox-bytes must be between 1MiB and 1024GiB, not 1KiB")
        #expect(await refusal(["topics.0.pattern": "a..b"]) == "topics[0].pattern: invalid value 'a..b' (pattern 'a..b' has an empty token)")
    }

    @Test func aSettingsFileIsReadThroughAFileProvider() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tern-settings-\(UUID().uuidString).json").path
        try Data("""
            { "listen": "0.0.0.0:9000", "no-tls": true, "mailbox-messages": 500, "mailbox-bytes": 4194304, "shutdown-timeout": 1.5,
              "topics": [{ "pattern": "metrics.>", "overflow-policy": "drop-oldest" }], "metrics": { "topics": ["orders.>", "audit.*"] } }
            """.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try await BrokerSettings(config: ConfigReader(provider: FileProvider<BrokerSettingsFile>(filePath: .init(path))))
        #expect(settings.configuration.listen.host == "0.0.0.0" && !settings.usesTLS)
        #expect(settings.configuration.mailbox.capacity == QueueCapacity(messages: 500, bytes: 4 << 20))
        #expect(settings.configuration.shutdownTimeout == .milliseconds(1500))
        #expect(settings.configuration.topicOverrides.map(\.settings.policy) == [.dropOldest])
        #expect(settings.configuration.metricsTopics == ["orders.>", "audit.*"])
    }

    @Test func aSettingsFileRefusesWhatIsNotRightNamingTheKey() {
        let refusals = [
            "{ not json": "not valid JSON: expected a member name at offset 2",
            #"{ "mailbox-byte": 1 }"#: "unknown key 'mailbox-byte'",
            #"{ "mailbox-messages": 1.5 }"#: "mailbox-messages: expected a whole number, not 1.5",
            #"{ "listen": 8376 }"#: "listen: expected a string, not 8376",
            #"{ "listen": null }"#: "listen: expected a string, not null",
            #"{ "listen": "8376" }"#: "listen: invalid value '8376' (host:port)",
            #"{ "topics": {} }"#: "topics: expected an array of objects, not an object",
            #"{ "topics": [{ "pattern": "a.>", "data-dir": "x" }] }"#: "topics[0]: unknown key 'data-dir'",
            #"{ "topics": [{ "pattern": "a.>" }, { "pattern": "b.>", "pattern": "c.>" }] }"#: "topics[1]: duplicate key 'pattern'",
            #"{ "metrics": ["orders.>"] }"#: "metrics: expected an object, not an array",
            #"{ "metrics": { "topic": ["orders.>"] } }"#: "metrics: unknown key 'topic'",
            #"{ "metrics": { "topics": "orders.>" } }"#: "metrics.topics: expected an array of topic patterns, not a string",
            #"{ "metrics": { "topics": ["orders..x"] } }"#: "metrics.topics[0]: invalid value 'orders..x' (pattern 'orders..x' has an empty token)",
        ]
        for (text, message) in refusals {
            #expect(throws: BrokerSettingError.self, "\(text)") {
                _ = try BrokerSettingsFile(bytes: Array(text.utf8), providerName: "test")
            }
            do {
                _ = try BrokerSettingsFile(bytes: Array(text.utf8), providerName: "test")
            } catch {
                #expect(error.description == message, "\(text)")
            }
        }
    }
}
