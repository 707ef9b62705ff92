import Atomics
import TernClient

/// The pubsub scenario: every subscriber subscribes (confirmed by the broker) before any
/// publisher starts; an optional warm-up; then the measured phase, which ends when every
/// subscriber has received every message, or when deliveries stall.
struct PubSubBenchmark {
    struct Plan: Sendable {
        var publishers: Int
        var subscribers: Int
        /// Messages per publisher; `nil` publishes for `duration` instead.
        var messages: Int?
        var duration: Duration?
        var warmup: Duration?
        var size: Int
        var topics: Int
        /// Messages per second over all publishers; `nil` for as fast as possible.
        var rate: Double?
        /// Every how many messages a publisher times one for the latency figures.
        var latencyEvery: Int
    }

    /// What the measured phase produced, for ``PubSubResult``.
    struct Outcome: Sendable {
        var sent: [UInt64]
        /// ``MonotonicClock`` times: the measured phase's start, and when every publisher's
        /// messages were flushed to the broker.
        var start: UInt64
        var published: UInt64
        var tallies: [DeliveryTally]
    }

    /// How long deliveries may stall, after publishing ended, before the run is declared incomplete.
    static let stallTimeout = Duration.seconds(5)

    let plan: Plan
    /// The connection settings of every client; each gets its own name.
    let configuration: TernClient.Configuration
    /// The subscribers' connection settings: `configuration`'s, or another node's of a cluster.
    let subscriberConfiguration: TernClient.Configuration

    /// How long the subscribers' interest may take to reach the publishers' node.
    static let interestTimeout = Duration.seconds(10)

    func run() async throws -> Outcome {
        try await withClients { clients in try await run(connectingInto: &clients) }
    }

    private func run(connectingInto clients: inout [TernClient]) async throws -> Outcome {
        // A prefix of its own, so that concurrent runs on one broker do not mix.
        let prefix = "tern-bench.\(String(UInt32.random(in: .min ... .max), radix: 16))"
        let elsewhere = subscriberConfiguration.servers != configuration.servers
        let probeTopic = "\(prefix)-probe"
        let (subscriptions, probes) = try await subscribe(
            to: plan.topics == 1 ? "\(prefix).0" : "\(prefix).*", probe: elsewhere ? probeTopic : nil, connectingInto: &clients
        )
        let publishers = try await makePublishers(topicPrefix: prefix, connectingInto: &clients)
        if let probing = publishers.first?.client, !probes.isEmpty {
            try await awaitInterest(probes, publishingWith: probing, to: probeTopic)
        }
        let counters = DeliveryCounters(subscribers: plan.subscribers)
        return try await withThrowingTaskGroup(of: (Int, DeliveryTally).self) { group in
            for (index, (subscription, executor)) in subscriptions.enumerated() {
                let (publisherCount, progress) = (plan.publishers, counters.counters[index])
                group.addTask(executorPreference: executor) {
                    (index, await DeliveryTally.consume(subscription, publishers: publisherCount, progress: progress))
                }
            }
            var expected: UInt64 = 0
            if let warmup = plan.warmup {
                expected = try await publishPhase(publishers, warmup: true, duration: warmup, counters: counters).reduce(0, +)
                guard try await counters.wait(untilEachReaches: expected, stallTimeout: Self.stallTimeout) else {
                    throw BenchFailure("the warm-up's messages did not all arrive (\(counters.total) of \(expected * UInt64(plan.subscribers)) deliveries)")
                }
            }
            let start = MonotonicClock.nanoseconds()
            let sent = try await publishPhase(publishers, warmup: false, duration: plan.duration, counters: counters)
            let published = MonotonicClock.nanoseconds()
            let target = expected + sent.reduce(0, +)
            // Whether everything arrived is the delivery check's to say, from the tallies.
            _ = try await ProgressBar.showing("delivering", fraction: { Double(counters.total) / Double(target * UInt64(counters.counters.count)) }) {
                try await counters.wait(untilEachReaches: target, stallTimeout: Self.stallTimeout)
            }
            group.cancelAll()
            var tallies = [DeliveryTally?](repeating: nil, count: plan.subscribers)
            for try await (index, tally) in group { tallies[index] = tally }
            return Outcome(sent: sent, start: start, published: published, tallies: tallies.compactMap { $0 })
        }
    }

    /// Connects the subscribers and subscribes each to `pattern`, confirmed by the broker, and
    /// then to `probe` when given.
    private func subscribe(
        to pattern: String, probe: String?, connectingInto clients: inout [TernClient]
    ) async throws -> (subscriptions: [(TernSubscription, any TaskExecutor)], probes: [TernSubscription]) {
        var (subscriptions, probes): ([(TernSubscription, any TaskExecutor)], [TernSubscription]) = ([], [])
        for index in 0..<plan.subscribers {
            var settings = subscriberConfiguration.named("tern-bench sub \(index)")
            settings.subscriptionBufferSize = 8192
            let client = try await TernClient.connect(settings)
            clients.append(client)
            subscriptions.append((try await client.subscribe(to: pattern), client.taskExecutor))
            if let probe { probes.append(try await client.subscribe(to: probe)) }
        }
        return (subscriptions, probes)
    }

    /// Publishes to `topic` every 10 ms until each of `probes` received a message: the
    /// subscribers are on another node, and their interest (subscribed to before the probes) has
    /// then reached the publishers' node.
    private func awaitInterest(_ probes: [TernSubscription], publishingWith client: TernClient, to topic: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for probe in probes {
                group.addTask { for try await _ in probe { return } }
            }
            group.addTask {
                while true {
                    try await client.publish("probe", to: topic)
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            group.addTask {
                try await Task.sleep(for: Self.interestTimeout)
                throw BenchFailure("the subscribers' interest did not reach the publishers' node within \(Self.interestTimeout)")
            }
            // Leaving a probe's loop unsubscribes it.
            for _ in probes { try await group.next() }
            group.cancelAll()
        }
    }

    /// Connects the publishers; publisher i publishes to topic i mod `plan.topics`.
    private func makePublishers(topicPrefix prefix: String, connectingInto clients: inout [TernClient]) async throws -> [Publisher] {
        let interval = plan.rate.map { UInt64(1e9 * Double(plan.publishers) / $0) }
        var publishers: [Publisher] = []
        for index in 0..<plan.publishers {
            let client = try await TernClient.connect(configuration.named("tern-bench pub \(index)"))
            clients.append(client)
            publishers.append(Publisher(client: client, index: index, topic: "\(prefix).\(index % plan.topics)", size: plan.size, interval: interval, latencyEvery: UInt64(plan.latencyEvery)))
        }
        return publishers
    }

    /// Runs every publisher until its count or `duration`; returns what each sent.
    private func publishPhase(_ publishers: [Publisher], warmup: Bool, duration: Duration?, counters: DeliveryCounters) async throws -> [UInt64] {
        let start = MonotonicClock.nanoseconds()
        let limit: Publisher.Limit
        let fraction: @Sendable () -> Double
        if let duration {
            limit = .deadline(start + duration.nanoseconds)
            fraction = { Double(MonotonicClock.nanoseconds() - start) / Double(duration.nanoseconds) }
        } else {
            let count = UInt64(plan.messages ?? 0)
            let (baseline, total) = (counters.total, Double(count) * Double(publishers.count * counters.counters.count))
            limit = .count(count)
            fraction = { Double(counters.total - baseline) / total }
        }
        return try await ProgressBar.showing(warmup ? "warming up" : "publishing", fraction: fraction) {
            try await withThrowingTaskGroup(of: (Int, UInt64).self) { group in
                for publisher in publishers {
                    // On its connection's event loop, as the subscribers consume on theirs: a
                    // publish then hands its frame to the connection without waking a thread.
                    group.addTask(executorPreference: publisher.client.taskExecutor) {
                        (publisher.index, try await publisher.run(warmup: warmup, until: limit))
                    }
                }
                var sent = [UInt64](repeating: 0, count: publishers.count)
                for try await (index, count) in group { sent[index] = count }
                return sent
            }
        }
    }
}
