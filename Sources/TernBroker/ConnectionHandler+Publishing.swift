import NIOCore
import TernProtocol

extension ConnectionHandler {
    /// Validates a publish and adds it to the current read's batch for its topic.
    func accept(_ publish: consuming Frame.Publish) {
        if let (code, reason) = problem(with: publish) {
            refuse(ackID: publish.ackID, code: code, message: reason)
            return
        }
        let message = PublishedMessage(consume publish, reusing: lastEnvelope)
        lastEnvelope = message.envelope
        publishBatches.append(message)
    }

    private func problem(with publish: Frame.Publish) -> (ErrorCode, String)? {
        if publish.topic != lastValidTopic {
            if let problem = TopicSyntax.problem(withTopic: publish.topic, maxLength: Int(limits.maxTopicLength)) {
                return (.invalidTopic, problem)
            }
            lastValidTopic = publish.topic
        }
        if let replyTo = publish.replyTo, let problem = TopicSyntax.problem(withTopic: replyTo, maxLength: Int(limits.maxTopicLength)) {
            return (.invalidTopic, "reply-to: " + problem)
        }
        if publish.payload.readableBytes > limits.maxPayloadLength {
            return (.payloadTooLarge, "payload of \(publish.payload.readableBytes) bytes exceeds the limit of \(limits.maxPayloadLength)")
        }
        let headerBytes = publish.headers.byteCount
        if headerBytes > limits.maxHeaderBytes {
            return (.invalidHeaders, "headers of \(headerBytes) bytes exceed the limit of \(limits.maxHeaderBytes)")
        }
        // A MESSAGE carries a subscription id that the PUBLISH did not: it must still fit a frame.
        let messageLength = Self.messageFrameLength(of: publish)
        if messageLength > limits.maxFrameLength {
            return (.payloadTooLarge, "the message would be a frame of \(messageLength) bytes, over the limit of \(limits.maxFrameLength)")
        }
        return nil
    }

    /// The length of the MESSAGE frame that delivers `publish`, not counting its length prefix.
    private static func messageFrameLength(of publish: Frame.Publish) -> Int {
        2 + 4 + 2 + publish.topic.utf8.count + (publish.replyTo.map { 2 + $0.utf8.count } ?? 0)
            + publish.headers.encodedLength + (publish.schema == nil ? 0 : 8) + publish.payload.readableBytes
    }

    /// Tells the publisher its publish was refused: in an ACK when it asked for one, else in an ERROR.
    private func refuse(ackID: UInt64?, code: ErrorCode, message: String) {
        if let ackID {
            send(.ack(Frame.Ack(ackID: ackID, code: code, message: message)))
        } else {
            send(.error(Frame.Error(code: code, subject: .publish, message: message, closesConnection: false)))
        }
    }

    /// Hands the batched publishes to their topics, one call per topic.
    func handOffPublishes() {
        guard !publishBatches.isEmpty, let handle else { return }
        var batches = publishBatches.removeAll()
        let allocator = context?.channel.allocator ?? ByteBufferAllocator()
        for name in Array(batches.keys) {
            // Taken out of the dictionary, the batch is uniquely referenced and compacts in place.
            guard var messages = batches.removeValue(forKey: name) else { continue }
            PayloadCompaction.compact(&messages, allocator: allocator)
            let compacted = messages
            let topic = core.directory.topic(named: name, preferring: context?.eventLoop)
            topicsSinceLastPing[ObjectIdentifier(topic)] = topic
            topic.execute { $0.publish(compacted, from: handle) }
        }
    }

    /// Confirms publishes a topic accepted.
    func acknowledge(_ ackIDs: [UInt64]) {
        for ackID in ackIDs {
            send(.ack(Frame.Ack(ackID: ackID)))
        }
        flushIfNeeded()
    }

    /// Reports publishes a topic refused: under the `reject` policy, or for their schema.
    func reportRejection(_ rejection: Rejection) {
        for (ackID, code, reason) in rejection.acknowledged {
            send(.ack(Frame.Ack(ackID: ackID, code: code, message: reason)))
        }
        for (refusal, count) in rejection.unacknowledged {
            refuse(ackID: nil, code: refusal.code, message: count == 1 ? refusal.reason : "\(count) messages refused: \(refusal.reason)")
        }
        flushIfNeeded()
    }

    /// Stops reading from this publisher while `topic`'s mailbox is full.
    func pauseReading(for topic: Topic) {
        pausingTopics.insert(ObjectIdentifier(topic))
    }

    /// Reads again once no topic holds this publisher back.
    func resumeReading(for topic: Topic) {
        pausingTopics.remove(ObjectIdentifier(topic))
        if pausingTopics.isEmpty && readPending, let context {
            readPending = false
            context.read()
        }
    }
}
