/// The publishes of one read, grouped by topic, each topic's in arrival order.
///
/// A run of publishes to one topic, the common case, is appended without hashing its name.
struct PublishBatches {
    private var currentTopic: String?
    private var current: [PublishedMessage] = []
    private var earlier: [String: [PublishedMessage]] = [:]
    /// The length of the last run set aside: the next run starts with room for as many, so a
    /// steady stream does not regrow its batch, copying it, at every read.
    private var lastRunLength = 0

    var isEmpty: Bool { currentTopic == nil }

    /// The number of topics with publishes.
    var topicCount: Int {
        guard let currentTopic else { return 0 }
        return earlier.count + (earlier[currentTopic] == nil ? 1 : 0)
    }

    mutating func append(_ message: PublishedMessage) {
        if message.topic != currentTopic {
            setAsideCurrentRun()
            currentTopic = message.topic
            current.reserveCapacity(lastRunLength)
        }
        current.append(message)
    }

    /// Every topic's batch; the groups are empty afterwards.
    mutating func removeAll() -> [String: [PublishedMessage]] {
        setAsideCurrentRun()
        defer { earlier = [:] }
        return earlier
    }

    private mutating func setAsideCurrentRun() {
        guard let topic = currentTopic else { return }
        lastRunLength = current.count
        if earlier[topic] == nil {
            earlier[topic] = current
        } else {
            earlier[topic]?.append(contentsOf: current)
        }
        currentTopic = nil
        current = []
    }
}
