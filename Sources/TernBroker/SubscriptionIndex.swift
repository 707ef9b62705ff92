/// Subscribers by pattern: exact patterns in a dictionary, wildcard patterns in a list.
struct SubscriptionIndex {
    private var exact: [String: [Subscriber]] = [:]
    private var wildcard: [Subscriber] = []

    var isEmpty: Bool { exact.isEmpty && wildcard.isEmpty }

    mutating func insert(_ subscriber: Subscriber) {
        if subscriber.isWildcard {
            wildcard.append(subscriber)
        } else {
            exact[subscriber.pattern, default: []].append(subscriber)
        }
    }

    mutating func remove(_ subscriber: Subscriber) {
        if subscriber.isWildcard {
            wildcard.removeAll { $0 === subscriber }
        } else {
            exact[subscriber.pattern]?.removeAll { $0 === subscriber }
            if exact[subscriber.pattern]?.isEmpty == true { exact[subscriber.pattern] = nil }
        }
    }

    /// The subscribers whose pattern matches `topic`: exact ones first, in subscription order.
    func subscribers(matching topic: String) -> [Subscriber] {
        let exactMatches = exact[topic] ?? []
        guard !wildcard.isEmpty else { return exactMatches }
        return exactMatches + wildcard.filter { $0.matches(topic: topic) }
    }
}
