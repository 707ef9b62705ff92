import Atomics
import Synchronization

/// Every subscription of the broker by pattern, in a ``TokenTrie``, with a bounded cache of the
/// subscriptions that matched recent topics.
///
/// Finding a topic's subscribers costs about its number of tokens; adding or removing a
/// subscription costs about its pattern's, plus the cache entries it invalidates. Topics do not
/// hear of changes: each change advances ``generation``, and a topic that sees a generation
/// other than the one it matched at looks its subscribers up again.
final class SubscriptionIndex<Subscriber: PatternSubscription>: Sendable {
    private struct State: ~Copyable {
        let trie = TokenTrie<Subscriber>()
        var cache: MatchCache<Subscriber>
    }

    private let state: Mutex<State>
    private let changes = ManagedAtomic<UInt64>(0)

    /// The most topics whose subscribers are cached, unless told otherwise.
    static var defaultCacheCapacity: Int { 4096 }

    init(cacheCapacity: Int = defaultCacheCapacity) {
        state = Mutex(State(cache: MatchCache(capacity: cacheCapacity)))
    }

    /// Advances with every change of subscriptions.
    var generation: UInt64 {
        changes.load(ordering: .acquiring)
    }

    /// The number of subscriptions.
    var count: Int {
        state.withLock { $0.trie.count }
    }

    func insert(_ subscriber: Subscriber) {
        state.withLock { state in
            state.trie.insert(subscriber, key: subscriber.pattern)
            state.cache.invalidate(matching: subscriber.pattern)
            changes.wrappingIncrement(ordering: .releasing)
        }
    }

    /// Removes `subscriber`; returns whether it was there.
    @discardableResult
    func remove(_ subscriber: Subscriber) -> Bool {
        state.withLock { state in
            guard state.trie.remove(subscriber, key: subscriber.pattern) else { return false }
            state.cache.invalidate(matching: subscriber.pattern)
            changes.wrappingIncrement(ordering: .releasing)
            return true
        }
    }

    /// The subscriptions whose pattern matches `topic`, and the generation they are current at.
    ///
    /// - Parameter cached: Whether to look in the cache first and keep the answer there. For a
    ///   caller that asks about the same topics again and again (request routing); a topic,
    ///   which keeps its own answer until the generation moves, asks the trie.
    func subscribers(forTopic topic: String, cached: Bool = true) -> (subscribers: TopicSubscribers<Subscriber>, generation: UInt64) {
        state.withLock { state in
            let generation = changes.load(ordering: .relaxed)
            if cached, let answer = state.cache.subscribers(forTopic: topic) { return (answer, generation) }
            var subscribers = TopicSubscribers<Subscriber>()
            state.trie.forEachMatch(ofTopic: topic) { subscribers.add($0, group: $0.queueGroup) }
            if cached { state.cache.store(subscribers, forTopic: topic) }
            return (subscribers, generation)
        }
    }
}

/// A subscription as the ``SubscriptionIndex`` sees it: a pattern and, perhaps, a queue group.
protocol PatternSubscription: AnyObject, Sendable {
    var pattern: String { get }
    var queueGroup: String? { get }
}

extension Subscriber: PatternSubscription {}
