import Synchronization

/// Every responder subscription, and the choice of one responder per request: round-robin over
/// the responders of each topic, so requests spread evenly.
final class ResponderDirectory: Sendable {
    private let responders = SubscriptionIndex<Subscriber>()
    /// Each request topic's next turn.
    private let turns = Mutex<[String: Int]>([:])

    func add(_ responder: Subscriber) {
        responders.insert(responder)
    }

    func remove(_ responder: Subscriber) {
        responders.remove(responder)
        if responders.count == 0 { turns.withLock { $0.removeAll() } }
    }

    /// The responder the next request on `topic` goes to, or `nil` when there is none.
    func responder(for topic: String) -> Subscriber? {
        let subscribers = responders.subscribers(forTopic: topic).subscribers
        let candidates = subscribers.groups.isEmpty ? subscribers.individuals : subscribers.individuals + subscribers.groups.flatMap(\.members)
        return turns.withLock { turns in
            guard !candidates.isEmpty else {
                turns[topic] = nil
                return nil
            }
            let index = turns[topic, default: 0] % candidates.count
            turns[topic] = index + 1
            return candidates[index]
        }
    }
}
