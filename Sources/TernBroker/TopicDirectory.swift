import NIOConcurrencyHelpers
import NIOCore
import TernProtocol

/// Every live topic and every subscription: creates topics on first use, tells topics about
/// subscriptions that match them, and retires idle topics.
final class TopicDirectory: Sendable {
    private struct State {
        var topics: [String: Topic] = [:]
        var subscribers = SubscriptionIndex()
    }

    private let state = NIOLockedValueBox(State())
    private let eventLoops: any EventLoopGroup
    private let settings: TopicSettingsResolver
    let statistics: BrokerStatistics
    let timing: TopicTiming
    let registry: SchemaRegistry

    init(eventLoops: any EventLoopGroup, settings: TopicSettingsResolver, timing: TopicTiming, statistics: BrokerStatistics, registry: SchemaRegistry) {
        self.eventLoops = eventLoops
        self.settings = settings
        self.timing = timing
        self.statistics = statistics
        self.registry = registry
    }

    /// The live topic of that name, created with its matching subscribers if there is none: on
    /// `preferredLoop` when given (its first publisher's, which then hands it messages without
    /// a hop between threads), else on the next loop of the group.
    func topic(named name: String, preferring preferredLoop: (any EventLoop)? = nil) -> Topic {
        state.withLockedValue { state in
            if let topic = state.topics[name] { return topic }
            let topic = Topic(
                name: name, settings: settings.settings(forTopic: name), subscribers: state.subscribers.subscribers(matching: name),
                eventLoop: preferredLoop ?? eventLoops.next(), directory: self
            )
            state.topics[name] = topic
            statistics.topicCreated()
            return topic
        }
    }

    /// Records `subscriber` and adds it to every live topic it matches.
    func add(_ subscriber: Subscriber) {
        let matching = state.withLockedValue { state in
            state.subscribers.insert(subscriber)
            return topics(matching: subscriber, in: state)
        }
        for topic in matching {
            topic.execute { $0.add(subscriber) }
        }
    }

    /// Forgets `subscriber` and removes it from every live topic it matches.
    func remove(_ subscriber: Subscriber) {
        let matching = state.withLockedValue { state in
            state.subscribers.remove(subscriber)
            return topics(matching: subscriber, in: state)
        }
        for topic in matching {
            topic.execute { $0.remove(subscriber) }
        }
    }

    private func topics(matching subscriber: Subscriber, in state: State) -> [Topic] {
        guard subscriber.isWildcard else { return state.topics[subscriber.pattern].map { [$0] } ?? [] }
        return state.topics.values.filter { subscriber.matches(topic: $0.name) }
    }

    /// Removes `topic` unless a subscription now matches it. A retired topic forwards anything
    /// that still reaches it to its successor.
    func retire(_ topic: Topic) -> Bool {
        state.withLockedValue { state in
            guard state.topics[topic.name] === topic, state.subscribers.subscribers(matching: topic.name).isEmpty else { return false }
            state.topics[topic.name] = nil
            statistics.topicRetired()
            return true
        }
    }

    /// Live topics and their statistics, sorted by name.
    var topics: [Topic] {
        state.withLockedValue { Array($0.topics.values) }.sorted { $0.name < $1.name }
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
