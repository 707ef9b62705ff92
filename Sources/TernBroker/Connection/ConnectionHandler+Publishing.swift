import NIOCore
import TernProtocol

extension ConnectionHandler {
    /// Tells the publisher its publish was refused: in an ACK when it asked for one, else in an ERROR.
    func refuse(_ refusal: PublishIntake.Refusal) {
        if let ackID = refusal.ackID {
            send(.ack(Frame.Ack(ackID: ackID, code: refusal.code, message: refusal.reason)))
        } else {
            send(.error(Frame.Error(code: refusal.code, subject: .publish, message: refusal.reason, closesConnection: false)))
        }
    }

    /// Hands the batched publishes to their topics, one call per topic.
    func handOffPublishes() {
        guard state.intake.hasBatches, let handle else { return }
        var batches = state.intake.takeBatches()
        state.budget.spend(WorkBudget.topicHandOff * batches.count)
        // Taken once for every batch: a read may go to thousands of topics.
        let directory = core.directory
        let routes = core.routes
        let eventLoop = context?.eventLoop
        var refused = Rejection()
        for index in batches.indices {
            // Taken out of the list: the topic holds the batch's only reference.
            var messages: [PublishedMessage] = []
            swap(&messages, &batches[index].messages)
            let destination = directory.destination(ofTopic: batches[index].topic, preferring: eventLoop)
            if case .tooManyTopics = destination {
                directory.refuseForTooManyTopics(messages, in: &refused)
                continue
            }
            activity.messagesIn += UInt64(messages.count)
            routes?.forward(messages, topic: batches[index].topic.name, allocator: context?.channel.allocator ?? ByteBufferAllocator())
            guard case .topic(let topic) = destination else {
                let ackIDs = directory.acceptForNobody(messages)
                if !ackIDs.isEmpty { acknowledge(ackIDs) }
                continue
            }
            let topicLoop = topic.eventLoop
            state.barriers.handedPublishes(on: topicLoop, id: ObjectIdentifier(topicLoop))
            topic.publishOnItsLoop(messages, from: handle)
        }
        if refused.count > 0 { reportRejection(refused) }
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
            core.statistics.publishesRefused(1, code: code)
            send(.ack(Frame.Ack(ackID: ackID, code: code, message: reason)))
        }
        for (refusal, count) in rejection.unacknowledged {
            core.statistics.publishesRefused(count, code: refusal.code)
            refuse(PublishIntake.Refusal(code: refusal.code, reason: count == 1 ? refusal.reason : "\(count) messages refused: \(refusal.reason)"))
        }
        flushIfNeeded()
    }

    /// Stops reading from this publisher while `topic`'s mailbox is full.
    func pauseReading(for topic: Topic) {
        state.readGate.pause(for: ObjectIdentifier(topic))
    }

    /// Reads again once no topic holds this publisher back.
    func resumeReading(for topic: Topic) {
        if state.readGate.resume(for: ObjectIdentifier(topic)) {
            context?.read()
        }
    }
}
