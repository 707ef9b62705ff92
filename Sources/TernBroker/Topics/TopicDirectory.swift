import Atomics
import NIOConcurrencyHelpers
import NIOCore
import TernProtocol

/// Every live topic, and every subscription: creates topics on first use and retires idle ones.
///
/// Topics look their subscribers up in ``subscriptions`` themselves, so neither creating a topic
/// nor adding a subscription touches any other topic.
final class TopicDirectory: Sendable {
    private let live = TopicTable()
    private let liveCount = ManagedAtomic(0)
    private let eventLoops: any EventLoopGroup
    /// Where new topics find their settings; a reload replaces it.
    private let resolver: NIOLockedValueBox<TopicSettingsResolver>
    let subscriptions = SubscriptionIndex<Subscriber>()
    let idleTopics: IdleTopics
    let statistics: BrokerStatistics
    let timing: TopicTiming
    let registry: SchemaRegistry
    /// The most topics alive at once.
    let maxTopics: Int
    private let turns: EventLoopTurns
    /// The series of a topic in the metrics, when it has its own.
    private let seriesOfTopic: @Sendable (String) -> TopicSeries?

    init(
        eventLoops: any EventLoopGroup, settings: TopicSettingsResolver, timing: TopicTiming, statistics: BrokerStatistics, registry: SchemaRegistry,
        maxTopics: Int = .max, turns: EventLoopTurns = EventLoopTurns(), series: @escaping @Sendable (String) -> TopicSeries? = { _ in nil }
    ) {
        self.seriesOfTopic = series
        self.eventLoops = eventLoops
        self.maxTopics = maxTopics
        self.turns = turns
        self.resolver = NIOLockedValueBox(settings)
        self.timing = timing
        self.statistics = statistics
        self.registry = registry
        self.idleTopics = IdleTopics(retirement: timing.idleTopicRetirement)
    }

    /// Where a publish to a topic goes.
    enum Destination {
        /// The live topic of its name, perhaps made for this publish.
        case topic(Topic)
        /// Nowhere: no topic of that name lives, and none was made, as no subscription matches
        /// the name, no schema is bound to it and it has no series of its own in the metrics. The
        /// publish is accepted and counted (``acceptForNobody(_:)``) and reaches nobody.
        case nobody
        /// No topic of that name lives, and the broker holds its maximum of topics.
        case tooManyTopics
    }

    /// Where a publish to the topic `name` goes: its live topic; when there is none, a new one if
    /// anything would hear of the publish, on `preferredLoop` when given (its first publisher's,
    /// which then hands it messages without a hop between threads), else on the next loop of the
    /// group. A publish nobody would hear of makes no topic, so it costs no memory, and names
    /// nobody subscribes to do not count against the maximum of topics.
    func destination(ofTopic name: HashedTopicName, preferring preferredLoop: (any EventLoop)? = nil) -> Destination {
        var unmade = Destination.nobody
        let topic = live.topic(named: name) { () -> Topic? in
            // Looked up once: the new topic starts with the answer.
            let (subscribers, generation) = subscriptions.subscribers(forTopic: name.name, cached: false)
            let series = seriesOfTopic(name.name)
            guard !subscribers.isEmpty || series != nil || registry.binding(forTopic: name.name) != nil else { return nil }
            guard liveCount.wrappingIncrementThenLoad(ordering: .relaxed) <= maxTopics else {
                liveCount.wrappingDecrement(ordering: .relaxed)
                unmade = .tooManyTopics
                return nil
            }
            statistics.topicCreated()
            let settings = resolver.withLockedValue { $0.settings(forTopic: name.name) }
            return Topic(
                key: name, settings: settings, subscribers: subscribers, matchedAt: generation, series: series,
                eventLoop: preferredLoop ?? eventLoops.next(), directory: self
            )
        }
        return topic.map { .topic($0) } ?? unmade
    }

    /// Accepts `messages` that reach nobody (``Destination/nobody``): counts them as published;
    /// returns the ack ids of those that asked for an acknowledgement.
    func acceptForNobody(_ messages: [PublishedMessage]) -> [UInt64] {
        var bytes = 0
        var ackIDs: [UInt64] = []
        for message in messages {
            bytes += message.payload.readableBytes
            if let ackID = message.ackID { ackIDs.append(ackID) }
        }
        statistics.published(messages.count, bytes: bytes)
        return ackIDs
    }

    /// Gives new topics the overrides of a reloaded configuration, and live topics too.
    func reconfigure(overrides: [TopicOverride]) {
        let resolver = resolver.withLockedValue { resolver in
            resolver.overrides = overrides
            return resolver
        }
        for topic in live.all {
            let settings = resolver.settings(forTopic: topic.name)
            topic.execute { $0.reconfigure(settings) }
        }
    }

    /// Adds `messages` to `rejection`, refused as their topic does not live and the broker holds
    /// its maximum of topics (``Destination/tooManyTopics``).
    func refuseForTooManyTopics(_ messages: [PublishedMessage], in rejection: inout Rejection) {
        let reason = "the broker holds its maximum of \(maxTopics) topics"
        for message in messages { rejection.add(message, code: .tooManyTopics, reason: reason) }
    }

    /// Removes `topic` if it is still the live one of its name. A retired topic forwards anything
    /// that still reaches it to its successor.
    func retire(_ topic: Topic) -> Bool {
        guard live.remove(topic) else { return false }
        liveCount.wrappingDecrement(ordering: .relaxed)
        statistics.topicRetired()
        return true
    }

    /// The number of live topics.
    var count: Int { liveCount.load(ordering: .relaxed) }

    /// Live topics, sorted by name.
    var topics: [Topic] {
        live.all.sorted { $0.name < $1.name }
    }

    /// Starts retiring idle topics; the task runs until cancelled.
    func startRetiringIdleTopics() -> RepeatedTask {
        idleTopics.startSweeping(on: eventLoops.next(), turns: turns)
    }
}

/// How long topics wait before acting on slow consumers and on idleness.
struct TopicTiming: Sendable {
    var slowConsumerTimeout: TimeAmount
    var idleTopicRetirement: TimeAmount
}

/// Finds the mailbox settings of a topic: the first override whose pattern matches, else the default.
struct TopicSettingsResolver: Sendable {
    var defaultSettings: MailboxSettings
    var overrides: [TopicOverride]

    func settings(forTopic topic: String) -> MailboxSettings {
        overrides.first { TopicSyntax.matches(topic: topic, pattern: $0.pattern) }?.settings ?? defaultSettings
    }
}
