import NIOCore
import TernProtocol

extension ConnectionHandler {
    /// Validates a publish and adds it to the current read's batch for its topic.
    func accept(_ publish: Frame.Publish) {
        if let (code, reason) = problem(with: publish) {
            refuse(ackID: publish.ackID, code: code, message: reason)
            return
        }
        publishBatches[publish.topic, default: []].append(PublishedMessage(publish))
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
        let headerBytes = publish.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        if headerBytes > limits.maxHeaderBytes {
            return (.invalidHeaders, "headers of \(headerBytes) bytes exceed the limit of \(limits.maxHeaderBytes)")
        }
        return nil
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
        let batches = publishBatches
        publishBatches.removeAll(keepingCapacity: true)
        for (name, messages) in batches {
            core.directory.topic(named: name).execute { $0.publish(messages, from: handle) }
        }
    }

    /// Confirms publishes a topic accepted.
    func acknowledge(_ ackIDs: [UInt64]) {
        for ackID in ackIDs {
            send(.ack(Frame.Ack(ackID: ackID)))
        }
        flushIfNeeded()
    }

    /// Reports publishes a topic refused under the `reject` policy.
    func reportRejection(_ rejection: Rejection, topic: String) {
        let reason = "the mailbox of topic '\(topic)' is full"
        for ackID in rejection.ackIDs {
            send(.ack(Frame.Ack(ackID: ackID, code: .mailboxFull, message: reason)))
        }
        if rejection.unacknowledged > 0 {
            refuse(ackID: nil, code: .mailboxFull, message: "\(rejection.unacknowledged) messages refused: " + reason)
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
