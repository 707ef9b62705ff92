import NIOCore
import Testing
import TernProtocol

@testable import TernBroker

/// Where publishes go: a topic is made only for a name something would hear of.
@Suite struct TopicDestinationTests {
    @Test func aNameNobodySubscribesToGetsNoTopicUntilASubscriptionMatchesIt() async throws {
        let broker = try EmbeddedBroker()
        let client = try await broker.connectReady()
        #expect(try await client.exchange(publish("devices.7.telemetry", "early", ack: 1)) == [.ack(Frame.Ack(ackID: 1))])
        #expect(broker.core.directory.count == 0)
        #expect(broker.core.statistics.snapshot.published == 1, "counted as published, as a topic would have")

        try await client.subscribe("devices.*.telemetry", id: 5)
        let frames = try await client.exchange(publish("devices.7.telemetry", "late", ack: 2))
        #expect(frames.contains(.ack(Frame.Ack(ackID: 2))))
        let delivered = frames.compactMap { if case .message(let message) = $0 { String(buffer: message.payload) } else { nil } }
        #expect(delivered == ["late"], "the subscription hears what came after it, and nothing from before")
        #expect(broker.core.directory.count == 1)
    }

    @Test func aTopicWithASeriesOfItsOwnIsMadeWithoutSubscribers() async throws {
        let broker = try EmbeddedBroker { $0.metricsTopics = ["watched.>"] }
        let client = try await broker.connectReady()
        for (ackID, topic) in [(UInt64(1), "watched.a"), (2, "other.a")] {
            #expect(try await client.exchange(publish(topic, "x", ack: ackID)) == [.ack(Frame.Ack(ackID: ackID))])
        }
        #expect(broker.core.directory.topics.map(\.name) == ["watched.a"])
    }

    @Test func aTopicMadeForANameHasEverySubscriptionThatMatchesIt() async throws {
        let broker = try EmbeddedBroker()
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("orders.>", id: 1)
        try await subscriber.subscribe("orders.eu", id: 2, group: "billing")
        guard case .topic(let topic) = broker.core.directory.destination(ofTopic: HashedTopicName("orders.eu")) else {
            Issue.record("no topic made for a name two subscriptions match")
            return
        }
        let statistics = await topic.statistics()
        #expect(statistics.subscribers == 2)
        #expect(statistics.queueGroups == ["billing"])
    }
}
