import NIOCore
import NIOEmbedded
import Testing
import TernProtocol

@testable import TernBroker

/// The broker's connection handler with frames in and frames out: no socket, no port, no timing.
@Suite struct ConnectionHandlerTests {
    private func payloads(_ frames: [Frame]) -> [String] {
        frames.compactMap { if case .message(let message) = $0 { String(buffer: message.payload) } else { nil } }
    }

    private func errorCodes(_ frames: [Frame]) -> [ErrorCode] {
        frames.compactMap { if case .error(let error) = $0 { error.code } else { nil } }
    }

    // MARK: Handshake

    @Test func helloIsAnsweredWithWelcomeAnnouncingTheLimitsAndFeatures() async throws {
        let broker = try EmbeddedBroker()
        let client = try await broker.connect()
        let frames = try await client.exchange(.hello(Frame.Hello(minVersion: 1, maxVersion: 3, clientName: "test")))
        guard case .welcome(let welcome) = frames.first else { Issue.record("\(frames)"); return }
        #expect(welcome.version == 1)
        #expect(welcome.limits == broker.core.configuration.limits)
        #expect(welcome.features == [.acknowledgements, .queueGroups, .requestReply, .schemas, .lameDuck])
        #expect(frames.count == 1)
    }

    @Test func anUnsupportedVersionIsRefusedAndClosed() async throws {
        let broker = try EmbeddedBroker()
        let client = try await broker.connect()
        let frames = try await client.exchange(.hello(Frame.Hello(minVersion: 7, maxVersion: 9, clientName: "future")))
        #expect(errorCodes(frames) == [.unsupportedVersion])
        #expect(await client.isClosed)
    }

    @Test func anythingBeforeHelloIsRefusedAndClosed() async throws {
        let broker = try EmbeddedBroker()
        let client = try await broker.connect()
        let frames = try await client.exchange(publish("early", "x"))
        #expect(errorCodes(frames) == [.unexpectedFrame])
        #expect(await client.isClosed)
    }

    @Test func theHandshakeDeadlineClosesASilentConnection() async throws {
        let broker = try EmbeddedBroker { $0.handshakeTimeout = .seconds(3) }
        let client = try await broker.connect()
        await broker.advance(by: .seconds(2))
        #expect(try await client.received().isEmpty)
        #expect(await !client.isClosed)
        await broker.advance(by: .seconds(2))
        #expect(errorCodes(try await client.received()) == [.handshakeTimeout])
        #expect(await client.isClosed)
    }

    @Test func aConnectionBeyondTheLimitIsReadUntilItsHelloAndRefused() async throws {
        let broker = try EmbeddedBroker { $0.maxConnections = 1 }
        _ = try await broker.connectReady()
        let second = try await broker.connect()
        #expect(try await second.received().isEmpty, "it waits for HELLO, so the client hears why")
        #expect(await !second.isClosed)
        let refused = try await second.exchange(.hello(Frame.Hello(minVersion: 1, maxVersion: 1, clientName: "second")))
        #expect(errorCodes(refused) == [.tooManyConnections])
        #expect(await second.isClosed)
    }

    // MARK: Publish and subscribe

    @Test func publishesReachMatchingSubscribersInOrder() async throws {
        let broker = try EmbeddedBroker()
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("orders.*", id: 7)
        let publisher = try await broker.connectReady()
        #expect(try await publisher.exchange(publish("orders.new", "1"), publish("orders.new", "2"), publish("other", "x"), publish("orders.old", "3")).isEmpty)
        let messages = try await subscriber.received().compactMap { if case .message(let message) = $0 { message } else { nil } }
        // In order per topic; two topics' messages may interleave.
        #expect(messages.filter { $0.topic == "orders.new" }.map { String(buffer: $0.payload) } == ["1", "2"])
        #expect(messages.filter { $0.topic == "orders.old" }.map { String(buffer: $0.payload) } == ["3"])
        #expect(messages.count == 3 && messages.allSatisfy { $0.subscriptionID == 7 })
    }

    @Test func anAcknowledgedPublishIsAcknowledgedAndARefusedOneSaysWhy() async throws {
        let broker = try EmbeddedBroker { $0.limits.maxPayloadLength = 8 }
        let client = try await broker.connectReady()
        let frames = try await client.exchange(publish("a", "ok", ack: 1), publish("a", "far too long", ack: 2), publish("not valid", "x", ack: 3))
        #expect(frames.contains(.ack(Frame.Ack(ackID: 1))))
        let refused = frames.compactMap { if case .ack(let ack) = $0, ack.code != .ok { ack } else { nil } }
        #expect(refused.map(\.ackID) == [2, 3])
        #expect(refused.map(\.code) == [.payloadTooLarge, .invalidTopic])
    }

    @Test func aRefusedPublishWithoutAnAckIsReportedInAnErrorAndTheConnectionGoesOn() async throws {
        let broker = try EmbeddedBroker { $0.limits.maxHeaderBytes = 4 }
        let client = try await broker.connectReady()
        let frames = try await client.exchange(
            .publish(Frame.Publish(topic: "a", headers: ["long-name": "value"], payload: ByteBuffer())),
            .ping(Frame.Ping(token: 1))
        )
        #expect(errorCodes(frames) == [.invalidHeaders])
        #expect(frames.last == .pong(Frame.Ping(token: 1)))
        #expect(await !client.isClosed)
    }

    @Test func subscriptionsAreCheckedAndRefusedOneByOne() async throws {
        let broker = try EmbeddedBroker { $0.limits.maxSubscriptions = 2 }
        let client = try await broker.connectReady()
        let frames = try await client.exchange(
            .subscribe(Frame.Subscribe(subscriptionID: 1, pattern: "a.>.b")),
            .subscribe(Frame.Subscribe(subscriptionID: 2, pattern: "a", queueGroup: "bad group")),
            .subscribe(Frame.Subscribe(subscriptionID: 3, pattern: "a")),
            .subscribe(Frame.Subscribe(subscriptionID: 3, pattern: "b")),
            .subscribe(Frame.Subscribe(subscriptionID: 4, pattern: "c")),
            .subscribe(Frame.Subscribe(subscriptionID: 5, pattern: "d")),
            .subscribe(Frame.Subscribe(subscriptionID: 6, pattern: "e", readAs: SchemaReference(subjectID: 9, version: 1))),
            .unsubscribe(Frame.Unsubscribe(subscriptionID: 99))
        )
        #expect(errorCodes(frames) == [.invalidPattern, .invalidPattern, .duplicateSubscription, .tooManySubscriptions, .tooManySubscriptions, .unknownSubscription])
        let ids = frames.compactMap { if case .error(let error) = $0 { error.id } else { nil } }
        #expect(ids == [1, 2, 3, 5, 6, 99])
        #expect(await !client.isClosed)
    }

    @Test func anUnknownReadAsSubjectOrVersionIsRefused() async throws {
        let registry = SchemaRegistry()
        let (subject, _) = try await registry.register(subject: "orders", definition: "record Order { id: string }")
        let broker = try EmbeddedBroker(registry: registry)
        let client = try await broker.connectReady()
        let frames = try await client.exchange(
            .subscribe(Frame.Subscribe(subscriptionID: 1, pattern: "e", readAs: SchemaReference(subjectID: 9, version: 1))),
            .subscribe(Frame.Subscribe(subscriptionID: 2, pattern: "e", readAs: SchemaReference(subjectID: subject.id, version: 2))),
            .subscribe(Frame.Subscribe(subscriptionID: 3, pattern: "e", readAs: SchemaReference(subjectID: subject.id, version: 0))),
            .subscribe(Frame.Subscribe(subscriptionID: 4, pattern: "e", readAs: SchemaReference(subjectID: subject.id, version: 1)))
        )
        #expect(errorCodes(frames) == [.unknownSubject, .unknownVersion, .unknownVersion])
    }

    @Test func anUnsubscribedSubscriptionGetsNothingMore() async throws {
        let broker = try EmbeddedBroker()
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("t")
        let publisher = try await broker.connectReady()
        _ = try await publisher.exchange(publish("t", "before"))
        #expect(payloads(try await subscriber.received()) == ["before"])
        #expect(try await subscriber.exchange(.unsubscribe(Frame.Unsubscribe(subscriptionID: 1))).isEmpty)
        _ = try await publisher.exchange(publish("t", "after"))
        #expect(try await subscriber.received().isEmpty)
    }

    @Test func aQueueGroupSharesTheMessagesAndEachGoesToOneMember() async throws {
        let broker = try EmbeddedBroker()
        let members = [try await broker.connectReady(), try await broker.connectReady()]
        for member in members { try await member.subscribe("jobs", group: "workers") }
        let publisher = try await broker.connectReady()
        _ = try await publisher.exchange(.publish(Frame.Publish(topic: "jobs", payload: ByteBuffer(string: "0"))))
        var publishes = ByteBuffer()
        for index in 1..<64 { try publishes.writeFrame(publish("jobs", "\(index)")) }
        try await publisher.send(bytes: publishes)
        var received: [[String]] = []
        for member in members { received.append(payloads(try await member.received())) }
        #expect(received.allSatisfy { !$0.isEmpty }, "both members get some")
        #expect(Set(received.flatMap { $0 }).count == 64 && received.flatMap { $0 }.count == 64, "each message once")
    }

    @Test func pingIsAnsweredAfterThePublishesBeforeItWereProcessed() async throws {
        let broker = try EmbeddedBroker { $0.mailbox.policy = .reject; $0.mailbox.capacity.messages = 1 }
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("full")
        let publisher = try await broker.connectReady()
        // The subscriber reads nothing yet: the second publish finds the mailbox full.
        let frames = try await publisher.exchange(publish("full", "1"), publish("full", "2"), publish("full", "3"), .ping(Frame.Ping(token: 5)))
        #expect(errorCodes(frames).contains(.mailboxFull))
        #expect(frames.last == .pong(Frame.Ping(token: 5)), "the PONG comes after the refusal")
    }

    // MARK: Broker-wide limits

    @Test func aPublishThatWouldCreateATopicBeyondTheLimitIsRefused() async throws {
        let broker = try EmbeddedBroker { $0.maxTopics = 2 }
        let client = try await broker.connectReady()
        // Only a topic someone hears of counts: publishes nobody subscribes to make none.
        for (ackID, topic) in [(UInt64(11), "x"), (12, "y"), (13, "z")] {
            #expect(try await client.exchange(publish(topic, "unheard", ack: ackID)) == [.ack(Frame.Ack(ackID: ackID))])
        }
        #expect(broker.core.directory.count == 0)
        try await client.subscribe(">", id: 1)
        // One read each: a read's publishes reach their topics in no particular order.
        var frames: [Frame] = []
        for frame in [publish("a", "1", ack: 1), publish("b", "2", ack: 2), publish("c", "3", ack: 3), publish("c", "4")] {
            frames += try await client.exchange(frame)
        }
        let acks = frames.compactMap { if case .ack(let ack) = $0 { ack } else { nil } }
        #expect(acks.filter { $0.code == .ok }.map(\.ackID).sorted() == [1, 2])
        #expect(acks.filter { $0.code == .tooManyTopics }.map(\.ackID) == [3])
        #expect(errorCodes(frames) == [.tooManyTopics], "the unacknowledged one is reported in an ERROR")
        #expect(acks.first { $0.ackID == 3 }?.message == "the broker holds its maximum of 2 topics")
        #expect(broker.core.directory.count == 2)
    }

    @Test func subscriptionsBeyondTheBrokersLimitAreRefusedWhateverTheirConnection() async throws {
        let broker = try EmbeddedBroker { $0.maxTotalSubscriptions = 2 }
        let first = try await broker.connectReady()
        let second = try await broker.connectReady()
        try await first.subscribe("a", id: 1)
        try await second.subscribe("b", id: 1, responder: true)
        let refused = try await second.exchange(.subscribe(Frame.Subscribe(subscriptionID: 2, pattern: "c")))
        #expect(errorCodes(refused) == [.tooManySubscriptions])
        _ = try await first.exchange(.unsubscribe(Frame.Unsubscribe(subscriptionID: 1)))
        try await second.subscribe("c", id: 2)
    }

    // MARK: Overflow

    @Test func dropOldestTellsTheSubscriberWhatItLost() async throws {
        let broker = try EmbeddedBroker {
            $0.mailbox.policy = .dropOldest
            $0.subscriberQueue = QueueCapacity(messages: 2, bytes: 1 << 20)
        }
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("burst")
        let publisher = try await broker.connectReady()
        var publishes = ByteBuffer()
        for index in 1...10 { try publishes.writeFrame(publish("burst", "\(index)")) }
        try await publisher.send(bytes: publishes)
        let frames = try await subscriber.received()
        let notices = frames.compactMap { if case .dropNotice(let notice) = $0 { notice } else { nil } }
        #expect(notices.map(\.reason) == [.droppedOldest])
        #expect(UInt64(payloads(frames).count) + notices.map(\.count).reduce(0, +) == 10)
        #expect(payloads(frames).last == "10")
    }

    @Test func aSubscriberThatTakesNothingUnderBlockIsDisconnectedAsASlowConsumer() async throws {
        let broker = try EmbeddedBroker {
            $0.subscriberQueue = QueueCapacity(messages: 1, bytes: 1 << 20)
            $0.slowConsumerTimeout = .seconds(5)
        }
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("held")
        // The queue takes one message; the embedded channel writes it at once, so hold the
        // queue full by never letting the connection drain: close its writability.
        subscriber.channel.isWritable = false
        subscriber.channel.pipeline.fireChannelWritabilityChanged()
        await broker.run()
        let publisher = try await broker.connectReady()
        _ = try await publisher.exchange(publish("held", "1"), publish("held", "2"), publish("held", "3"))
        await broker.advance(by: .seconds(6))
        #expect(errorCodes(try await subscriber.received()).contains(.slowConsumer))
        #expect(await subscriber.isClosed)
        #expect(await !publisher.isClosed)
    }

    // MARK: Request and reply

    @Test func aRequestWithoutRespondersIsAnsweredAtOnce() async throws {
        let broker = try EmbeddedBroker()
        let client = try await broker.connectReady()
        let frames = try await client.exchange(.request(Frame.Request(requestID: 4, topic: "nobody", timeoutMilliseconds: 1000, payload: ByteBuffer())))
        guard case .reply(let reply) = frames.first else { Issue.record("\(frames)"); return }
        #expect(reply.requestID == 4 && reply.code == .noResponders)
    }

    @Test func aRequestReachesOneResponderAndItsReplyTheRequester() async throws {
        let broker = try EmbeddedBroker()
        let responder = try await broker.connectReady()
        try await responder.subscribe("svc", id: 3, responder: true)
        let requester = try await broker.connectReady()
        _ = try await requester.exchange(.request(Frame.Request(requestID: 42, topic: "svc", timeoutMilliseconds: 1000, headers: ["h": "v"], payload: ByteBuffer(string: "ping"))))
        let delivered = try await responder.received()
        guard case .incomingRequest(let incoming) = delivered.first else { Issue.record("\(delivered)"); return }
        #expect(incoming.subscriptionID == 3 && incoming.topic == "svc" && String(buffer: incoming.payload) == "ping" && incoming.headers["h"] == "v")
        _ = try await responder.exchange(.reply(Frame.Reply(requestID: incoming.requestID, payload: ByteBuffer(string: "pong"))))
        let answered = try await requester.received()
        guard case .reply(let reply) = answered.first else { Issue.record("\(answered)"); return }
        #expect(reply.requestID == 42 && reply.code == .ok && String(buffer: reply.payload) == "pong")
        // A second reply to the same request is late: dropped, and counted.
        _ = try await responder.exchange(.reply(Frame.Reply(requestID: incoming.requestID, payload: ByteBuffer())))
        #expect(try await requester.received().isEmpty)
        #expect(broker.core.statistics.snapshot.lateRepliesDropped == 1)
    }

    @Test func aReplyWithAnIDNeverIssuedIsUnknownAndOneOverTheLimitsIsRefusedToBothSides() async throws {
        let broker = try EmbeddedBroker { $0.limits.maxPayloadLength = 4 }
        let responder = try await broker.connectReady()
        let never = try await responder.exchange(.reply(Frame.Reply(requestID: 1, payload: ByteBuffer())))
        guard case .error(let unknown) = never.first else { Issue.record("\(never)"); return }
        #expect(unknown.code == .unknownRequest && unknown.subject == .request && unknown.id == 1 && !unknown.closesConnection)
        try await responder.subscribe("svc", responder: true)
        let requester = try await broker.connectReady()
        _ = try await requester.exchange(.request(Frame.Request(requestID: 9, topic: "svc", timeoutMilliseconds: 1000, payload: ByteBuffer())))
        guard case .incomingRequest(let incoming) = try await responder.received().first else { Issue.record("no request"); return }
        let refused = try await responder.exchange(.reply(Frame.Reply(requestID: incoming.requestID, payload: ByteBuffer(string: "12345"))))
        guard case .error(let tooLarge) = refused.first else { Issue.record("\(refused)"); return }
        #expect(tooLarge.code == .payloadTooLarge && tooLarge.subject == .request && tooLarge.id == incoming.requestID)
        let answered = try await requester.received()
        guard case .reply(let reply) = answered.first else { Issue.record("\(answered)"); return }
        #expect(reply.requestID == 9 && reply.code == .payloadTooLarge)
        // The request ended: a corrected reply is late, and an id above the last issued unknown.
        #expect(try await responder.exchange(.reply(Frame.Reply(requestID: incoming.requestID, payload: ByteBuffer()))).isEmpty)
        let above = try await responder.exchange(.reply(Frame.Reply(requestID: incoming.requestID + 1, payload: ByteBuffer())))
        #expect(errorCodes(above) == [.unknownRequest])
    }

    @Test func anUnansweredRequestTimesOutAndAGoneResponderFailsItsRequests() async throws {
        let broker = try EmbeddedBroker()
        let responder = try await broker.connectReady()
        try await responder.subscribe("svc", responder: true)
        let requester = try await broker.connectReady()
        _ = try await requester.exchange(.request(Frame.Request(requestID: 1, topic: "svc", timeoutMilliseconds: 200, payload: ByteBuffer())))
        await broker.advance(by: .milliseconds(250))
        let timedOut = try await requester.received()
        guard case .reply(let timeout) = timedOut.first else { Issue.record("\(timedOut)"); return }
        #expect(timeout.requestID == 1 && timeout.code == .timeout)

        _ = try await requester.exchange(.request(Frame.Request(requestID: 2, topic: "svc", timeoutMilliseconds: 10_000, payload: ByteBuffer())))
        _ = try await responder.received()
        try await responder.channel.close()
        await broker.run()
        let gone = try await requester.received()
        guard case .reply(let failure) = gone.first else { Issue.record("\(gone)"); return }
        #expect(failure.requestID == 2 && failure.code == .responderGone)
    }

    // MARK: Registry

    @Test func registryFramesAreAnswered() async throws {
        let broker = try EmbeddedBroker()
        let client = try await broker.connectReady()
        let definition = "record Order { id: string }"
        try await client.send(.registerSchema(Frame.RegisterSchema(operationID: 1, subject: "orders", definition: definition)))
        var frames = try await client.received(count: 1)
        guard case .schemaInfo(let info) = frames.first else { Issue.record("\(frames)"); return }
        #expect(info.operationID == 1 && info.reference.version == 1)
        try await client.send(
            .getSchema(Frame.GetSchema(operationID: 2, subject: "orders")),
            .listSchemas(Frame.ListSchemas(operationID: 3)),
            .setCompatibility(Frame.SetCompatibility(operationID: 4, subject: "orders", mode: .full)),
            .bindTopic(Frame.BindTopic(operationID: 5, topic: "orders", subject: "orders")),
            .checkSchema(Frame.CheckSchema(operationID: 6, subject: "orders", definition: "record Order { id: int32 }")),
            .getSchema(Frame.GetSchema(operationID: 7, subject: "missing"))
        )
        frames = try await client.received(count: 6)
        guard case .schemaInfo(let got) = frames[0], case .schemaList(let list) = frames[1],
            case .registryResult(let mode) = frames[2], case .registryResult(let bind) = frames[3],
            case .registryResult(let check) = frames[4], case .registryResult(let missing) = frames[5]
        else { Issue.record("\(frames)"); return }
        #expect(got.definition == definition && list.entries.map(\.subject) == ["orders"])
        #expect(mode.code == .ok && bind.code == .ok)
        #expect(check.operationID == 6 && check.code == .incompatibleSchema)
        #expect(missing.operationID == 7 && missing.code == .unknownSubject)
        // The bound topic now refuses a publish without the schema.
        let refused = try await client.exchange(publish("orders", "raw", ack: 9))
        #expect(refused == [.ack(Frame.Ack(ackID: 9, code: .schemaRequired, message: "topic 'orders' is bound to subject 'orders': a message on it must name one of its versions"))])
    }

    // MARK: Closing and bad input

    @Test func goodbyeClosesAndAFrameAfterItIsUnexpected() async throws {
        let broker = try EmbeddedBroker()
        let client = try await broker.connectReady()
        let frames = try await client.exchange(.goodbye(Frame.Goodbye()), .ping(Frame.Ping(token: 1)))
        #expect(errorCodes(frames) == [.unexpectedFrame])
        #expect(await client.isClosed)
    }

    @Test func anUnknownFrameTypeIsAnsweredAndSkipped() async throws {
        let broker = try EmbeddedBroker()
        let client = try await broker.connectReady()
        let frames = try await client.exchange(.unknown(Frame.Unknown(type: 0x7E, flags: 0, body: ByteBuffer(string: "future"))), .ping(Frame.Ping(token: 2)))
        #expect(errorCodes(frames) == [.unknownFrameType])
        #expect(frames.last == .pong(Frame.Ping(token: 2)))
    }

    @Test func aFrameOnlyTheServerSendsIsUnexpectedAndCloses() async throws {
        let broker = try EmbeddedBroker()
        let client = try await broker.connectReady()
        let frames = try await client.exchange(.ack(Frame.Ack(ackID: 1)))
        #expect(errorCodes(frames) == [.unexpectedFrame])
        #expect(await client.isClosed)
    }

    @Test func malformedBytesAndAnOversizedLengthCloseWithTheirCode() async throws {
        let broker = try EmbeddedBroker()
        let malformed = try await broker.connectReady()
        // A PING (0x0B) whose body is too short for its token.
        try await malformed.send(bytes: ByteBuffer(bytes: [0, 0, 0, 3, 0x0B, 0, 1]))
        #expect(errorCodes(try await malformed.received()) == [.malformedFrame])
        #expect(await malformed.isClosed)
        let huge = try await broker.connectReady()
        try await huge.send(bytes: ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]))
        #expect(errorCodes(try await huge.received()) == [.frameTooLarge])
        #expect(await huge.isClosed)
    }

    @Test func aQuietClientIsPingedAndClosedAfterTwoUnansweredPings() async throws {
        let broker = try EmbeddedBroker { $0.pingInterval = .seconds(1) }
        let client = try await broker.connectReady()
        await broker.advance(by: .seconds(1))
        #expect(try await client.received().isEmpty, "it spoke during the first interval")
        await broker.advance(by: .seconds(1))
        #expect(try await client.received().contains { if case .ping = $0 { true } else { false } })
        await broker.advance(by: .seconds(1))
        await broker.advance(by: .seconds(1))
        #expect(errorCodes(try await client.received()) == [.pingTimeout])
        #expect(await client.isClosed)
    }

    // MARK: No stalls

    @Test func aBurstOfSubscriptionsIsProcessedOverSeveralTurnsOfTheLoop() async throws {
        let broker = try EmbeddedBroker { $0.limits.maxSubscriptions = 100_000 }
        let client = try await broker.connectReady()
        var burst = ByteBuffer()
        let count = 5 * WorkBudget.unitsPerTurn
        for id in 1...count { try burst.writeFrame(.subscribe(Frame.Subscribe(subscriptionID: UInt32(id), pattern: "dev.\(id).*"))) }
        try burst.writeFrame(.ping(Frame.Ping(token: 77)))
        try await client.channel.writeInbound(burst)
        // Before the loop runs its next tasks, only the first turn's share is done.
        #expect(broker.core.directory.subscriptions.count < count)
        let frames = try await client.received()
        #expect(frames == [.pong(Frame.Ping(token: 77))], "all done, in order, once the loop ran")
        #expect(broker.core.directory.subscriptions.count == count)
        // Closing retires them all, a few dozen per turn.
        try await client.channel.close()
        #expect(broker.core.directory.subscriptions.count >= count - ConnectionHandler.retirementsPerTurn, "one turn's share at once")
        await broker.run()
        #expect(broker.core.directory.subscriptions.count == 0)
    }
}
