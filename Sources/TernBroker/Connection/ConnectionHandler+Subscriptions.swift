import NIOCore
import TernProtocol

extension ConnectionHandler {
    /// The most bytes of messages one drain round takes from a subscription's queue.
    static let drainRoundBytes = 256 << 10
    /// The bytes of a MESSAGE frame besides its payload, topic and headers, with room to spare
    /// for a reply-to or a schema reference.
    static let messageFrameOverhead = 32
    /// How many rounds one drain runs before it lets the event loop do other work.
    static let drainRounds = 8

    /// Opens a subscription the state machine accepted: a responder in the responder
    /// directory, any other in the subscription index, where topics find it.
    func open(_ subscribe: Frame.Subscribe) {
        guard let handle else { return }
        guard core.reserveSubscription() else {
            send(.error(Frame.Error(
                code: .tooManySubscriptions, subject: .subscription, id: UInt64(subscribe.subscriptionID),
                message: "the broker holds its maximum of \(core.configuration.maxTotalSubscriptions) subscriptions", closesConnection: false
            )))
            return
        }
        let subscriber = Subscriber(
            connection: handle, subscribe: subscribe, queueCapacity: core.configuration.subscriberQueue, queueDepth: core.statistics.subscriberQueues
        )
        state.subscriptions.add(subscriber, id: subscribe.subscriptionID)
        core.routes?.localInterestChanged(pattern: subscribe.pattern, queueGroup: subscribe.queueGroup, isResponder: subscribe.isResponder, by: 1)
        if subscribe.isResponder {
            core.responders.add(subscriber)
        } else {
            core.directory.subscriptions.insert(subscriber)
        }
    }

    /// Removes subscriptions the client no longer has on a connection that stays open (an
    /// UNSUBSCRIBE, a permission lost): marked closed at once, so that nothing more reaches the
    /// client under their ids; up to a turn's share leave the broker at once, more as
    /// ``retireAll(_:)``'s do.
    func retire(_ subscribers: [Subscriber]) {
        for subscriber in subscribers { subscriber.markClosed() }
        guard subscribers.count > Self.retirementsPerTurn else {
            for subscriber in subscribers { retire(subscriber) }
            return
        }
        retire(Retirement(Dictionary(uniqueKeysWithValues: subscribers.map { ($0.subscriptionID, $0) })))
    }

    /// Removes the subscriptions of a connection that has closed from the broker and discards
    /// what is queued for them, a bounded number per turn of the event loop: a connection that
    /// closes with 100,000 subscriptions does not hold the loop while they go (each is released
    /// as soon as it is retired). Nothing reaches the client once its handle is detached, so they
    /// need no marking; the table is handed over whole, never copied or walked at once (that alone
    /// held the loop 8 ms for 100,000).
    func retireAll(_ subscriptions: consuming [UInt32: Subscriber]) {
        // Moved, not copied: with a second reference the first removal would copy the table.
        retire(Retirement(subscriptions))
    }

    /// Subscriptions on their way out, each released as it is taken.
    private final class Retirement {
        private var subscribers: [UInt32: Subscriber]
        /// Their ids, taken from the end: copying the ids touches no subscriber, and removing by
        /// id costs the same for the last as for the first (`popFirst` looks for the first entry
        /// from the table's start every time).
        private var ids: [UInt32]

        init(_ subscribers: consuming [UInt32: Subscriber]) {
            ids = Array(subscribers.keys)
            self.subscribers = subscribers
        }

        var isEmpty: Bool { ids.isEmpty }

        func next() -> Subscriber? {
            while let id = ids.popLast() {
                if let subscriber = subscribers.removeValue(forKey: id) { return subscriber }
            }
            return nil
        }
    }

    private func retire(_ retirement: Retirement) {
        for _ in 0..<Self.retirementsPerTurn {
            guard let subscriber = retirement.next() else { return }
            retire(subscriber)
        }
        guard !retirement.isEmpty, let eventLoop = handle?.eventLoop ?? context?.eventLoop else { return }
        let loopBoundSelf = NIOLoopBound(self, eventLoop: eventLoop)
        let loopBoundRetirement = NIOLoopBound(retirement, eventLoop: eventLoop)
        core.turns.afterThisTurn(on: eventLoop) { loopBoundSelf.value.retire(loopBoundRetirement.value) }
    }

    /// How many subscriptions one turn of the event loop removes: about 30 µs of work, so that
    /// the removal, which no client waits for, takes a small share of a busy loop and the live
    /// connections' work the rest (500 per turn made topics created meanwhile cost twice as much).
    static let retirementsPerTurn = 64

    private func retire(_ subscriber: Subscriber) {
        core.releaseSubscription()
        core.routes?.localInterestChanged(pattern: subscriber.pattern, queueGroup: subscriber.queueGroup, isResponder: subscriber.isResponder, by: -1)
        if subscriber.isResponder {
            core.responders.remove(subscriber)
            return
        }
        state.unwritableDrains[ObjectIdentifier(subscriber)] = nil
        core.directory.subscriptions.remove(subscriber)
        for topic in subscriber.queue.close().waitingTopics {
            topic.execute { $0.fanOut() }
        }
    }

    /// Writes what is queued for `subscribers`, as far as the socket takes it, and flushes once.
    /// Their rounds share buffers: many subscriptions' few messages each leave in one write.
    func drain(_ subscribers: [Subscriber]) {
        guard let context else { return }
        var output = DrainOutput()
        // One reading of the clock for them all: a drain often covers thousands of subscriptions.
        let now = context.eventLoop.now
        for subscriber in subscribers {
            drain(subscriber, into: &output, context: context, at: now)
        }
        write(&output)
        flushIfNeeded()
    }

    /// Writes what is queued for `subscriber` into `output`, as far as the socket takes it,
    /// writing `output` out whenever it holds a round's worth; the caller writes the rest and flushes.
    private func drain(_ subscriber: Subscriber, into output: inout DrainOutput, context: ChannelHandlerContext, at now: NIODeadline) {
        guard subscriber.isOpen else { return }
        for _ in 0..<Self.drainRounds {
            // A connection being closed (for example for its outbound limit) takes nothing more.
            guard !state.isClosing else { return }
            guard context.channel.isWritable else {
                subscriber.queue.compactWhileWaiting()
                state.unwritableDrains[ObjectIdentifier(subscriber)] = subscriber
                write(&output)
                flushIfNeeded()
                return
            }
            guard writeRound(of: subscriber, into: &output, context: context, at: now) else { return }
            if output.bytes >= Self.drainRoundBytes { write(&output) }
        }
        // Enough for one turn of the event loop: what was written goes out, the rest later.
        write(&output)
        flushIfNeeded()
        handle?.drain(subscriber)
    }

    /// Writes the frames gathered in `output`, and empties it.
    private func write(_ output: inout DrainOutput) {
        guard let buffer = output.buffer else { return }
        write(buffer, messages: output.messages)
        output = DrainOutput()
    }

    /// Takes one round of messages from the queue and encodes them into `output`; returns
    /// whether more may remain (a round that left the queue empty says no without a second look).
    private func writeRound(of subscriber: Subscriber, into output: inout DrainOutput, context: ChannelHandlerContext, at now: NIODeadline) -> Bool {
        var batch = subscriber.queue.take(maxBytes: Self.drainRoundBytes, at: now)
        for topic in batch.waitingTopics {
            topic.execute { $0.fanOut() }
        }
        let taken = batch.messages.count
        guard taken > 0 || batch.droppedOldest > 0 || batch.droppedNewest > 0 else { return false }
        // A drain's first round sizes the buffer for its frames: each message's counted bytes
        // plus its frame's fixed fields; later rounds append to it.
        var buffer = output.buffer.take()
            ?? context.channel.allocator.buffer(capacity: batch.messages.reduce(64) { $0 + $1.size + Self.messageFrameOverhead })
        defer { output.buffer = buffer }
        let id = subscriber.subscriptionID
        // Only a round after drops looks at them: the list of the two allocates.
        if batch.droppedOldest > 0 || batch.droppedNewest > 0 {
            for (reason, count) in [(Frame.DropNotice.Reason.droppedOldest, batch.droppedOldest), (.droppedNewest, batch.droppedNewest)] where count > 0 {
                logger.info("dropped messages for a subscriber", metadata: ["subscription": "\(id)", "reason": "\(reason)", "count": "\(count)"])
                _ = try? buffer.writeFrame(.dropNotice(Frame.DropNotice(subscriptionID: id, reason: reason, count: count)))
            }
        }
        var unreadable: UInt64 = 0
        var payloadBytes = 0
        let readAs = subscriber.readAs
        // Each message moves out of the batch, so writing it counts no references.
        while let original = batch.messages.popFirst() {
            guard let message = readable(consume original, as: readAs) else {
                unreadable += 1
                continue
            }
            payloadBytes += message.payload.readableBytes
            do {
                try message.writeMessageFrame(subscriptionID: id, into: &buffer)
            } catch {
                // Publishes are validated on the way in, so their fields always fit.
                logger.error("could not encode a message", metadata: ["error": "\(error)"])
            }
        }
        if unreadable > 0 {
            logger.info("dropped messages a subscriber cannot read as its version", metadata: ["subscription": "\(id)", "count": "\(unreadable)"])
            _ = try? buffer.writeFrame(.dropNotice(Frame.DropNotice(subscriptionID: id, reason: .unreadable, count: unreadable)))
            core.statistics.dropped(Int(unreadable), reason: .unreadable)
        }
        core.statistics.delivered(taken - Int(unreadable), bytes: payloadBytes)
        output.messages += taken - Int(unreadable)
        return taken > 0 && !batch.emptiedQueue
    }

    /// An empty write after the messages written so far: its completion proves they reached the socket.
    func placeWriteMarker(after count: UInt64, context: ChannelHandlerContext) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { result in
            loopBoundSelf.value.state.written.markerCompleted(after: count, succeeded: (try? result.get()) != nil)
        }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: promise)
    }

    /// Cuts this connection loose: one of its subscriptions took nothing for the slow-consumer
    /// timeout. `heldInMailbox` messages of the topic's mailbox were kept for it.
    func disconnectSlowConsumer(_ subscriber: Subscriber, topic: String, heldInMailbox: UInt64) {
        guard subscriber.isOpen else { return }
        let timeout = core.configuration.slowConsumerTimeout
        let closed = subscriber.queue.close()
        for waiting in closed.waitingTopics {
            waiting.execute { $0.fanOut() }
        }
        let undelivered = UInt64(closed.discarded) + heldInMailbox + state.written.unflushed
        logger.warning("disconnecting a slow consumer", metadata: [
            "subscription": "\(subscriber.subscriptionID)", "topic": "\(topic)", "undelivered": "\(undelivered)",
        ])
        sendError(Frame.Error(
            code: .slowConsumer, subject: .subscription, id: UInt64(subscriber.subscriptionID),
            message: "subscription \(subscriber.subscriptionID) took nothing from topic '\(topic)' for \(timeout.nanoseconds / 1_000_000) ms"
                + "; \(undelivered) messages to this connection were not delivered",
            closesConnection: true
        ))
    }
}

/// MESSAGE frames of drain rounds not yet written: the rounds of one drain share a buffer.
struct DrainOutput {
    var buffer: ByteBuffer?
    /// The messages among the frames.
    var messages = 0

    var bytes: Int { buffer?.readableBytes ?? 0 }
}
