import NIOConcurrencyHelpers

/// Every responder subscription, and the choice of one responder per request: round-robin over
/// the responders of each topic, so requests spread evenly.
final class ResponderDirectory: Sendable {
    private struct State {
        var responders = SubscriptionIndex()
        var nextIndex: [String: Int] = [:]
    }

    private let state = NIOLockedValueBox(State())

    func add(_ responder: Subscriber) {
        state.withLockedValue { $0.responders.insert(responder) }
    }

    func remove(_ responder: Subscriber) {
        state.withLockedValue { state in
            state.responders.remove(responder)
            if state.responders.isEmpty { state.nextIndex.removeAll() }
        }
    }

    /// The responder the next request on `topic` goes to, or `nil` when there is none.
    func responder(for topic: String) -> Subscriber? {
        state.withLockedValue { state in
            let candidates = state.responders.subscribers(matching: topic)
            guard !candidates.isEmpty else {
                state.nextIndex[topic] = nil
                return nil
            }
            let index = state.nextIndex[topic, default: 0] % candidates.count
            state.nextIndex[topic] = index + 1
            return candidates[index]
        }
    }
}
