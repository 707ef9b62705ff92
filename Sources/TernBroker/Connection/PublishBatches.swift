/// The publishes of one read, grouped by topic, each topic's in arrival order.
///
/// A run of publishes to one topic, the common case, is appended without hashing its name; a
/// new run hashes it once, and the topic table reuses that hash.
struct PublishBatches {
    /// One topic's publishes, in arrival order.
    struct Batch {
        var topic: HashedTopicName
        var messages: [PublishedMessage]
    }

    private var batches: [Batch] = []
    /// Each topic's place in `batches`, kept from the second topic on.
    private var positions: [HashedTopicName: Int] = [:]
    /// The topic of the current run, and the place of its batch.
    private var currentTopic: String?
    private var currentIndex = 0
    /// The length of the last batch set aside: the next starts with room for as many, so a
    /// steady stream does not regrow its batch, copying it, at every read.
    private var lastRunLength = 0

    var isEmpty: Bool { batches.isEmpty }

    /// The number of topics with publishes.
    var topicCount: Int { batches.count }

    mutating func append(_ message: consuming PublishedMessage) {
        if message.topic != currentTopic { startRun(of: message.topic) }
        batches[currentIndex].messages.append(consume message)
    }

    /// Every topic's batch, in the order the topics first came; none are left afterwards.
    mutating func removeAll() -> [Batch] {
        if currentTopic != nil { lastRunLength = batches[currentIndex].messages.count }
        currentTopic = nil
        positions.removeAll(keepingCapacity: true)
        var taken: [Batch] = []
        swap(&taken, &batches)
        return taken
    }

    private mutating func startRun(of topic: String) {
        if currentTopic != nil { lastRunLength = batches[currentIndex].messages.count }
        currentTopic = topic
        let name = HashedTopicName(topic)
        let next = batches.count
        if next > 0 {
            if positions.isEmpty { positions[batches[0].topic] = 0 }
            // Two look-ups by the stored hash: `positions[name, default: next]` would do with
            // one, but its accessor allocates twice per call.
            if let position = positions[name] {
                currentIndex = position
                return
            }
            positions[name] = next
            currentIndex = next
        } else {
            currentIndex = 0
        }
        var messages: [PublishedMessage] = []
        messages.reserveCapacity(lastRunLength)
        batches.append(Batch(topic: name, messages: consume messages))
    }
}
