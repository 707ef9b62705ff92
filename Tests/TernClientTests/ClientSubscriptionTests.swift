import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Client handler: subscriptions", .timeLimit(.minutes(1)))
struct ClientSubscriptionTests {
    @Test("subscribe sends SUBSCRIBE and a PING, and returns at the PONG")
    func confirmed() async throws {
        try await BrokerEnd.withClient { client, broker in
            let readAs = SchemaReference(subjectID: 1, version: 2)
            let subscribing = Task { try await client.subscribe(to: "orders.>", queueGroup: "workers", readAs: readAs) }
            #expect(try await broker.nextFrame() == .subscribe(Frame.Subscribe(subscriptionID: 1, pattern: "orders.>", queueGroup: "workers", readAs: readAs)))
            try await broker.send(.pong(broker.nextPing()))
            let subscription = try await subscribing.value
            #expect(subscription.pattern == "orders.>")
            #expect(subscription.queueGroup == "workers")
            let (second, id) = try await broker.subscribe(client, to: "other")
            #expect(id == 2, "each subscription has its own id")
            _ = (subscription, second)
        }
    }

    @Test("an ERROR about the subscription refuses it; the connection goes on")
    func refused() async throws {
        try await BrokerEnd.withClient { client, broker in
            let subscribing = Task { try await client.subscribe(to: "a") }
            let frame = try await broker.nextFrame()
            guard case .subscribe(let subscribe) = frame else { throw UnexpectedFrame(frame: frame) }
            let ping = try await broker.nextPing()
            try await broker.send(
                .error(Frame.Error(code: .tooManySubscriptions, subject: .subscription, id: UInt64(subscribe.subscriptionID), message: "at most 3", closesConnection: false)),
                .pong(ping)
            )
            await #expect(throws: TernClientError.refused(code: .tooManySubscriptions, message: "at most 3")) { try await subscribing.value }
            try await broker.flush(client)
        }
    }

    @Test("a malformed pattern is refused before anything is sent")
    func malformedPattern() async throws {
        try await BrokerEnd.withClient { client, broker in
            await #expect { try await client.subscribe(to: "a.>.b") } throws: { error in
                if case .invalidTopic = error as? TernClientError { true } else { false }
            }
            try await broker.expectNothingWritten()
        }
    }

    @Test("MESSAGEs are delivered in order, whole, also when a frame straddles two reads; others' are skipped")
    func delivery() async throws {
        try await BrokerEnd.withClient { client, broker in
            let (subscription, id) = try await broker.subscribe(client, to: "orders.*")
            let schema = SchemaReference(subjectID: 4, version: 1)
            let first = Frame.Message(subscriptionID: id, topic: "orders.eu", headers: ["h": "v"], payload: ByteBuffer(string: "one"))
            let second = Frame.Message(subscriptionID: id, topic: "orders.us", replyTo: "inbox.7", schema: schema, payload: ByteBuffer(string: "two"))
            let third = Frame.Message(subscriptionID: id, topic: "orders.eu", payload: ByteBuffer(repeating: 3, count: 100))
            try await broker.send(.message(first), .message(Frame.Message(subscriptionID: id + 1, topic: "elsewhere", payload: ByteBuffer())), .message(second))
            var straddling = ByteBuffer()
            _ = try straddling.writeFrame(.message(third))
            try await broker.send(straddling.readSlice(length: 30)!)
            try await broker.send(straddling)

            var messages = subscription.makeAsyncIterator()
            #expect(try await messages.next() == TernMessage(topic: "orders.eu", headers: ["h": "v"], payload: ByteBuffer(string: "one")))
            #expect(try await messages.next() == TernMessage(topic: "orders.us", payload: ByteBuffer(string: "two"), schema: schema, replyTo: "inbox.7"))
            #expect(try await messages.next() == TernMessage(topic: "orders.eu", payload: ByteBuffer(repeating: 3, count: 100)))
        }
    }

    @Test("DROP_NOTICEs reach the subscription's callback with the client's reasons, and add up")
    func dropNotices() async throws {
        try await BrokerEnd.withClient { client, broker in
            let (notices, received) = AsyncStream.makeStream(of: TernDropNotice.self)
            let (subscription, id) = try await broker.subscribe(client, to: "metrics.>", onDropNotice: { received.yield($0) })
            try await broker.send(
                .dropNotice(Frame.DropNotice(subscriptionID: id, reason: .droppedOldest, count: 12)),
                .dropNotice(Frame.DropNotice(subscriptionID: id + 1, reason: .droppedOldest, count: 1000)),
                .dropNotice(Frame.DropNotice(subscriptionID: id, reason: .droppedNewest, count: 1)),
                .dropNotice(Frame.DropNotice(subscriptionID: id, reason: .unreadable, count: 2))
            )
            received.finish()
            #expect(await notices.reduce(into: []) { $0.append($1) } == [
                TernDropNotice(pattern: "metrics.>", reason: .droppedOldest, count: 12),
                TernDropNotice(pattern: "metrics.>", reason: .droppedNewest, count: 1),
                TernDropNotice(pattern: "metrics.>", reason: .unreadable, count: 2),
            ])
            #expect(subscription.droppedCount == 15)
            #expect("\(TernDropNotice(pattern: "metrics.>", reason: .droppedOldest, count: 12))" == "subscription 'metrics.>' missed 12 messages (the broker dropped the oldest)")
        }
    }

    @Test("leaving the loop over a subscription sends UNSUBSCRIBE")
    func unsubscribe() async throws {
        try await BrokerEnd.withClient { client, broker in
            let (subscription, id) = try await broker.subscribe(client, to: "a")
            try await broker.send(.message(Frame.Message(subscriptionID: id, topic: "a", payload: ByteBuffer())))
            for try await _ in subscription { break }
            #expect(try await broker.nextFrame() == .unsubscribe(Frame.Unsubscribe(subscriptionID: id)))
        }
    }

    @Test("while a subscription's buffer is full the client asks for no reads; it reads again once the consumer took them")
    func fullBufferHoldsReadsBack() async throws {
        let reads = NIOLockedValueBox(0)
        var configuration = BrokerEnd.configuration
        configuration.subscriptionBufferSize = 2
        try await BrokerEnd.withClient(configuration, prepare: { try $0.addHandler(ReadRecorder(reads: reads)) }) { client, broker in
            let (subscription, id) = try await broker.subscribe(client, to: "a")
            let readsBefore = reads.withLockedValue { $0 }
            broker.channel.read()
            await broker.channel.testingEventLoop.run()
            #expect(reads.withLockedValue { $0 } == readsBefore + 1, "reads pass while there is room")

            let message = Frame.Message(subscriptionID: id, topic: "a", payload: ByteBuffer(string: "m"))
            try await broker.send(.message(message), .message(message))
            broker.channel.read()
            await broker.channel.testingEventLoop.run()
            #expect(reads.withLockedValue { $0 } == readsBefore + 1, "the read is held back")

            var messages = subscription.makeAsyncIterator()
            _ = try await messages.next()
            await broker.channel.testingEventLoop.run()
            #expect(reads.withLockedValue { $0 } == readsBefore + 2, "the held-back read follows once the consumer took the buffer")
        }
    }
}
