import NIOCore
import Testing
import TernBroker
import TernClient
import TernProtocol

/// Each overflow policy against a subscriber that stops reading, with a real broker over TLS.
@Suite(.timeLimit(.minutes(3))) struct OverflowPolicyTests {
    private static let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
    private static let count = 8_000

    private func configure(_ policy: OverflowPolicy, slowConsumerTimeout: TimeAmount = .seconds(30)) -> (inout BrokerConfiguration) -> Void {
        { configuration in
            configuration.mailbox = MailboxSettings(capacity: QueueCapacity(messages: 64, bytes: 1 << 20), policy: policy)
            configuration.subscriberQueue = QueueCapacity(messages: 64, bytes: 1 << 20)
            configuration.slowConsumerTimeout = slowConsumerTimeout
        }
    }

    /// A message whose payload starts with its sequence number.
    private func message(_ sequence: Int) -> ByteBuffer {
        var buffer = ByteBuffer(string: "\(sequence):")
        buffer.writeImmutableBuffer(Self.payload)
        return buffer
    }

    private func sequence(of message: TernMessage) -> Int {
        Int(message.string.prefix { $0 != ":" }) ?? -1
    }

    /// Publishes `count` numbered messages in bursts, each once the fast subscriber has the
    /// previous one, while a frozen subscriber reads nothing; returns what the fast one got.
    private func floodPastAFrozenSubscriber(_ broker: TestBroker, topic: String) async throws -> (frozen: TernSubscription, fast: [Int], publisher: TernClient) {
        let publisher = try await broker.connect(name: "publisher")
        let fastClient = try await broker.connect(name: "fast")
        let fast = try await fastClient.subscribe(to: topic)
        // It does not reconnect: a subscriber the broker cuts loose ends with its connection.
        let frozenClient = try await broker.connect(name: "frozen") {
            $0.subscriptionBufferSize = 8
            $0.reconnect = nil
        }
        let frozen = try await frozenClient.subscribe(to: topic)
        let tally = Tally()
        let fastReader = Task {
            for try await message in fast { await tally.add(member: 0, message.string) }
        }
        let burst = 32
        for start in stride(from: 0, to: Self.count, by: burst) {
            for index in start..<min(start + burst, Self.count) {
                try await publisher.publish(message(index), to: topic)
            }
            try await publisher.flush()
            let target = min(start + burst, Self.count)
            try await eventually(within: 30, "the fast subscriber to keep up") { await tally.total >= target }
        }
        fastReader.cancel()
        let received = (await tally.shares[0] ?? []).map { Int($0.prefix { $0 != ":" }) ?? -1 }
        return (frozen, received, publisher)
    }

    /// Reads `subscription` until every message was either received or reported dropped.
    private func readUntilAccounted(_ subscription: TernSubscription) async throws -> [Int] {
        let tally = Tally()
        let reader = Task {
            for try await message in subscription { await tally.add(member: 0, message.string) }
        }
        try await eventually(within: 60, "every message received or reported dropped") {
            await tally.total + Int(subscription.droppedCount) >= Self.count
        }
        reader.cancel()
        return (await tally.shares[0] ?? []).map { Int($0.prefix { $0 != ":" }) ?? -1 }
    }

    @Test func dropOldestKeepsTheNewestAndReportsTheRest() async throws {
        try await withBroker(configure(.dropOldest)) { broker in
            let (frozen, fast, publisher) = try await floodPastAFrozenSubscriber(broker, topic: "drop.oldest")
            #expect(fast == Array(0..<Self.count), "the fast subscriber misses nothing")
            let received = try await readUntilAccounted(frozen)
            #expect(frozen.droppedCount > 0)
            #expect(received.count + Int(frozen.droppedCount) == Self.count)
            #expect(received == received.sorted(), "what is left stays in order")
            #expect(received.last == Self.count - 1, "the newest message survives")
            let statistics = try #require(await broker.statistics(ofTopic: "drop.oldest"))
            #expect(statistics.counters.dropped == frozen.droppedCount)
            #expect(broker.server.statistics.snapshot.dropped == frozen.droppedCount)
            #expect(broker.server.statistics.snapshot.droppedByReason == [.droppedOldest: frozen.droppedCount, .droppedNewest: 0, .unreadable: 0, .shutdown: 0])
            await publisher.close()
        }
    }

    @Test func dropNewestKeepsTheOldestAndReportsTheRest() async throws {
        try await withBroker(configure(.dropNewest)) { broker in
            let (frozen, fast, publisher) = try await floodPastAFrozenSubscriber(broker, topic: "drop.newest")
            #expect(fast == Array(0..<Self.count), "the fast subscriber misses nothing")
            let received = try await readUntilAccounted(frozen)
            #expect(frozen.droppedCount > 0)
            #expect(received.count + Int(frozen.droppedCount) == Self.count)
            #expect(received == received.sorted(), "what is kept stays in order")
            #expect(received.first == 0, "the oldest message survives")
            let statistics = try #require(await broker.statistics(ofTopic: "drop.newest"))
            #expect(statistics.counters.dropped == frozen.droppedCount)
            #expect(broker.server.statistics.snapshot.droppedByReason == [.droppedOldest: 0, .droppedNewest: frozen.droppedCount, .unreadable: 0, .shutdown: 0])
            await publisher.close()
        }
    }

    @Test func blockSlowsThePublisherAndLosesNothing() async throws {
        try await withBroker(configure(.block)) { broker in
            let publisher = try await broker.connect(name: "publisher")
            let subscriberClient = try await broker.connect(name: "slow") { $0.subscriptionBufferSize = 8 }
            let subscription = try await subscriberClient.subscribe(to: "block.slow")
            let count = 3_000
            let reader = Task {
                var received: [Int] = []
                for try await message in subscription {
                    received.append(sequence(of: message))
                    if received.count % 100 == 0 { try await Task.sleep(for: .milliseconds(5)) }
                    if received.count == count { break }
                }
                return received
            }
            for index in 0..<count {
                try await publisher.publish(message(index), to: "block.slow")
            }
            try await publisher.flush()
            #expect(try await reader.value == Array(0..<count))
            let statistics = try #require(await broker.statistics(ofTopic: "block.slow"))
            #expect(statistics.counters.dropped == 0)
            #expect(statistics.counters.publisherPauses > 0, "the publisher was slowed down")
            await publisher.close()
            await subscriberClient.close()
        }
    }

    @Test func blockCutsLooseASubscriberThatTakesNothing() async throws {
        try await withBroker(configure(.block, slowConsumerTimeout: .milliseconds(500))) { broker in
            let (frozen, fast, publisher) = try await floodPastAFrozenSubscriber(broker, topic: "block.frozen")
            #expect(fast == Array(0..<Self.count), "the fast subscriber gets everything")
            #expect(broker.server.statistics.snapshot.slowConsumers == 1)
            // The broker says why in an ERROR frame, but a client that reads nothing may never
            // see it behind the data it did not read: its subscription ends with an error either way.
            await #expect(throws: TernClientError.self) {
                for try await _ in frozen {}
            }
            await publisher.close()
        }
    }

    @Test func rejectRefusesPublishesOnceTheMailboxIsFull() async throws {
        try await withBroker(configure(.reject)) { broker in
            let publisher = try await broker.connect(name: "publisher")
            let frozenClient = try await broker.connect(name: "frozen") { $0.subscriptionBufferSize = 8 }
            let frozen = try await frozenClient.subscribe(to: "reject.full")
            var refusal: TernClientError?
            for index in 0..<Self.count {
                do {
                    try await publisher.publish(message(index), to: "reject.full", acknowledged: true)
                } catch let error as TernClientError {
                    refusal = error
                    break
                }
            }
            #expect(refusal == .refused(code: .mailboxFull, message: "the mailbox of topic 'reject.full' is full"))
            #expect(broker.server.statistics.snapshot.rejected >= 1)
            let statistics = try #require(await broker.statistics(ofTopic: "reject.full"))
            #expect(statistics.counters.rejected >= 1)
            #expect(statistics.mailboxMessages <= 64)
            _ = frozen
            await publisher.close()
            await frozenClient.close()
        }
    }
}
