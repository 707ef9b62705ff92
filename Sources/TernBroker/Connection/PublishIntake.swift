import TernProtocol

/// Checks the PUBLISH frames of a connection against the limits and gathers the accepted ones,
/// per topic, until they are handed to their topics.
struct PublishIntake {
    /// Why a publish was refused, for its ACK or an ERROR.
    struct Refusal: Equatable {
        var ackID: UInt64?
        var code: ErrorCode
        var reason: String
    }

    let limits: Limits
    /// The topics the connection's user may publish to; `nil`: every topic.
    var publishTopics: TopicVerdicts? {
        didSet {
            lastPermittedTopic = nil
            checksPermissions = publishTopics != nil
        }
    }
    /// Whether ``publishTopics`` is set: the hot path tests this flag rather than the optional,
    /// whose test would retain and release everything it holds.
    private var checksPermissions = false
    private var batches = PublishBatches()
    /// The last topic name that passed validation, so a stream to one topic is checked once.
    private var lastValidTopic: String?
    /// The last topic name that the user was allowed, so a stream to one topic is looked up once.
    private var lastPermittedTopic: String?
    /// The envelope of the last publish, shared by the next when its fields are the same.
    private var lastEnvelope: PublishedMessage.Envelope?

    init(limits: Limits) {
        self.limits = limits
    }

    /// Whether publishes wait to be handed to their topics.
    var hasBatches: Bool { !batches.isEmpty }

    /// The number of topics the waiting publishes go to.
    var batchedTopicCount: Int { batches.topicCount }

    /// A new read begins. The frame stream gives each read's publishes a topic string of their
    /// own: comparing them with that string takes a glance at its identity, with an earlier
    /// read's every byte. And a new envelope: sharing one with messages other threads are
    /// releasing would make its reference count a point of contention.
    mutating func readStarted() {
        lastValidTopic = nil
        lastPermittedTopic = nil
        lastEnvelope = nil
    }

    /// Batches `publish` for its topic, or says why it is refused.
    mutating func accept(_ publish: consuming Frame.Publish) -> Refusal? {
        if let (code, reason) = problem(with: publish) {
            return Refusal(ackID: publish.ackID, code: code, reason: reason)
        }
        batches.append(PublishedMessage(consume publish, sharing: &lastEnvelope))
        return nil
    }

    /// Why the user may not publish to `topic`; `nil` when it may. Out of line, so that a
    /// broker without users pays nothing for it on the hot path.
    @inline(never)
    private mutating func permissionRefusal(publishingTo topic: String) -> String? {
        guard topic != lastPermittedTopic else { return nil }
        if let refusal = publishTopics?.refusal(topic) { return refusal }
        lastPermittedTopic = topic
        return nil
    }

    /// The batched publishes by topic, in the order the topics first came; none wait afterwards.
    mutating func takeBatches() -> [PublishBatches.Batch] {
        batches.removeAll()
    }

    private mutating func problem(with publish: Frame.Publish) -> (ErrorCode, String)? {
        if publish.topic != lastValidTopic {
            if let problem = TopicSyntax.problem(withTopic: publish.topic, maxLength: Int(limits.maxTopicLength)) {
                return (.invalidTopic, problem)
            }
            lastValidTopic = publish.topic
        }
        if let replyTo = publish.replyTo, let problem = TopicSyntax.problem(withTopic: replyTo, maxLength: Int(limits.maxTopicLength)) {
            return (.invalidTopic, "topic '\(publish.topic)': reply-to: " + problem)
        }
        if checksPermissions, let refusal = permissionRefusal(publishingTo: publish.topic) {
            return (.permissionDenied, refusal)
        }
        if let (code, reason) = limits.problem(withPayloadLength: publish.payload.readableBytes, headerBytes: publish.headers.byteCount) {
            return (code, "topic '\(publish.topic)': " + reason)
        }
        // A MESSAGE carries a subscription id that the PUBLISH did not: it must still fit a frame.
        let messageLength = DeliveredFrameLength.message(
            topic: publish.topic, replyTo: publish.replyTo, headers: publish.headers, hasSchema: publish.schema != nil,
            payloadLength: publish.payload.readableBytes
        )
        if messageLength > limits.maxFrameLength {
            return (.payloadTooLarge, "topic '\(publish.topic)': the message would be a frame of \(messageLength) bytes, over the limit of \(limits.maxFrameLength)")
        }
        return nil
    }
}
