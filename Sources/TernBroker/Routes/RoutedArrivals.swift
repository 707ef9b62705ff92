import TernProtocol

/// Messages read from a route, gathered by topic until the read is complete: each topic then
/// takes its messages in one call, in the order they came.
struct RoutedArrivals {
    private var byTopic: [String: [PublishedMessage]] = [:]
    /// The envelope of the last message, shared by the next when its fields are the same.
    private var lastEnvelope: PublishedMessage.Envelope?

    var isEmpty: Bool { byTopic.isEmpty }

    mutating func add(_ message: RouteFrame.Message) {
        let published = PublishedMessage(routed: message, reusing: lastEnvelope)
        lastEnvelope = published.envelope
        byTopic[message.topic, default: []].append(published)
    }

    mutating func take() -> [String: [PublishedMessage]] {
        // A new envelope each read: sharing one with messages other threads are releasing
        // would make its reference count a point of contention.
        lastEnvelope = nil
        defer { byTopic.removeAll(keepingCapacity: true) }
        return byTopic
    }
}
