import Testing

@testable import TernBroker

@Suite struct SubscriptionIndexTests {
    private final class Subscription: PatternSubscription {
        let pattern: String
        let queueGroup: String?
        init(_ pattern: String, group: String? = nil) {
            self.pattern = pattern
            self.queueGroup = group
        }
    }

    private func patterns(_ subscribers: TopicSubscribers<Subscription>) -> [String] {
        (subscribers.individuals.map(\.pattern) + subscribers.groups.flatMap { group in group.members.map { "\(group.name):\($0.pattern)" } }).sorted()
    }

    @Test func aTopicsSubscribersComeWithTheirQueueGroups() {
        let index = SubscriptionIndex<Subscription>()
        for subscription in [Subscription("orders.*"), Subscription("orders.>", group: "workers"), Subscription("orders.new", group: "workers"), Subscription("x")] {
            index.insert(subscription)
        }
        let (subscribers, _) = index.subscribers(forTopic: "orders.new")
        #expect(subscribers.individuals.map(\.pattern) == ["orders.*"])
        #expect(subscribers.groups.count == 1)
        #expect(subscribers.groups.first?.members.map(\.pattern).sorted() == ["orders.>", "orders.new"])
    }

    @Test func everyChangeAdvancesTheGenerationAndIsSeenAtOnce() {
        let index = SubscriptionIndex<Subscription>()
        let first = index.generation
        let (none, atStart) = index.subscribers(forTopic: "a.b")
        #expect(none.isEmpty && atStart == first)
        let wildcard = Subscription("a.*")
        index.insert(wildcard)
        #expect(index.generation != first)
        #expect(patterns(index.subscribers(forTopic: "a.b").subscribers) == ["a.*"], "the cached empty answer was invalidated")
        #expect(index.remove(wildcard))
        #expect(!index.remove(wildcard))
        #expect(index.subscribers(forTopic: "a.b").subscribers.isEmpty)
        #expect(index.count == 0)
    }

    @Test func theCacheForgetsExactlyTheTopicsAChangeCovers() {
        var cache = MatchCache<Subscription>(capacity: 100)
        for topic in ["a.b", "a.c", "a.b.c", "x.y"] {
            cache.store(TopicSubscribers(), forTopic: topic)
        }
        cache.invalidate(matching: "a.*")
        #expect(cache.subscribers(forTopic: "a.b") == nil)
        #expect(cache.subscribers(forTopic: "a.c") == nil)
        #expect(cache.subscribers(forTopic: "a.b.c") != nil)
        #expect(cache.subscribers(forTopic: "x.y") != nil)
        cache.invalidate(matching: "x.y")
        #expect(cache.subscribers(forTopic: "x.y") == nil)
        #expect(cache.count == 1)
    }

    @Test func theCacheHoldsAtMostItsCapacity() {
        var cache = MatchCache<Subscription>(capacity: 8)
        for index in 0..<100 { cache.store(TopicSubscribers(), forTopic: "t.\(index)") }
        #expect(cache.count == 8)
        #expect(cache.subscribers(forTopic: "t.99") != nil, "the newest entry is kept")
        cache.invalidate(matching: ">")
        #expect(cache.count == 0)
    }

    @Test func aHundredThousandWildcardSubscriptionsEachCostAboutTheirTokens() {
        let index = SubscriptionIndex<Subscription>()
        let subscriptions = (0..<100_000).map { Subscription("dev.\($0).*") }
        for subscription in subscriptions { index.insert(subscription) }
        #expect(patterns(index.subscribers(forTopic: "dev.4711.telemetry").subscribers) == ["dev.4711.*"])
        for subscription in subscriptions { index.remove(subscription) }
        #expect(index.count == 0)
        #expect(index.subscribers(forTopic: "dev.4711.telemetry").subscribers.isEmpty)
    }
}
