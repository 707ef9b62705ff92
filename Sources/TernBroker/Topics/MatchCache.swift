import DequeModule

/// The subscriptions that matched recently looked-up topics, at most ``capacity`` of them.
///
/// A change of subscriptions removes exactly the entries it affects: a new or removed pattern
/// is matched against the cached topics through a trie of them, so that the cost of
/// invalidating grows with the entries the pattern covers, not with the cache's size.
struct MatchCache<Subscriber: AnyObject> {
    final class Entry {
        let topic: String
        let subscribers: TopicSubscribers<Subscriber>

        init(topic: String, subscribers: TopicSubscribers<Subscriber>) {
            self.topic = topic
            self.subscribers = subscribers
        }
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]
    private let topics = TokenTrie<Entry>()
    /// The entries in the order they were stored, oldest first, for eviction; it may still hold
    /// entries invalidated since, which eviction skips.
    private var arrivals: Deque<Entry> = []

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { entries.count }

    func subscribers(forTopic topic: String) -> TopicSubscribers<Subscriber>? {
        entries[topic]?.subscribers
    }

    /// Remembers what matched `topic`; when full, forgets another entry first.
    mutating func store(_ subscribers: TopicSubscribers<Subscriber>, forTopic topic: String) {
        guard capacity > 0, entries[topic] == nil else { return }
        // The oldest entry makes room: evicting in the table's own order would pile the live
        // entries into one end of it and make every look-up probe long runs.
        while entries.count >= capacity, let oldest = arrivals.popFirst() {
            if entries[oldest.topic] === oldest { forget(oldest) }
        }
        if arrivals.count >= 2 * capacity {
            arrivals = Deque(arrivals.filter { entries[$0.topic] === $0 })
        }
        let entry = Entry(topic: topic, subscribers: subscribers)
        entries[topic] = entry
        topics.insert(entry, key: topic)
        arrivals.append(entry)
    }

    /// Forgets every entry whose topic `pattern` matches.
    mutating func invalidate(matching pattern: String) {
        guard !entries.isEmpty else { return }
        var affected: [Entry] = []
        topics.forEachEntry(matching: pattern) { affected.append($0) }
        for entry in affected { forget(entry) }
    }

    private mutating func forget(_ entry: Entry) {
        entries[entry.topic] = nil
        topics.remove(entry, key: entry.topic)
    }
}
