import NIOCore
import Testing
import TernProtocol

@testable import TernBroker

/// The idle sweep, on an embedded broker whose clock the test moves.
@Suite struct IdleSweepTests {
    @Test func everyLiveTopicWaitsInTheSweepOnceWhileSubscriptionsChange() async throws {
        let broker = try EmbeddedBroker { $0.idleTopicRetirement = .milliseconds(100) }
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("kept.*", id: 1)
        try await subscriber.subscribe("gone", id: 2)
        let publisher = try await broker.connectReady()
        for name in ["kept.a", "kept.b", "gone"] {
            _ = try await publisher.exchange(.publish(Frame.Publish(topic: name, payload: ByteBuffer(string: "x"))))
        }
        #expect(broker.core.directory.idleTopics.count == 3)
        _ = try await subscriber.exchange(.unsubscribe(Frame.Unsubscribe(subscriptionID: 2)))
        // Each sweep finds the subscriptions changed since the topics last looked them up.
        let churn = try await broker.connectReady()
        for round in 0..<8 {
            try await churn.subscribe("other.\(round)", id: UInt32(round + 1))
            await broker.advance(by: .milliseconds(100))
            await broker.run()
        }
        #expect(broker.core.directory.count == 2, "the topic nobody subscribes to was retired")
        #expect(broker.core.directory.idleTopics.count == 2, "each live topic waits in the sweep once")
    }

    @Test func anIdleTopicRetiresAfterTheIdleRetirementTimeAndNotBefore() async throws {
        // The sweep runs every 2.5 s; the topic joins it a moment after the clock's start.
        let broker = try EmbeddedBroker { $0.idleTopicRetirement = .seconds(10) }
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("short.*")
        let publisher = try await broker.connectReady()
        _ = try await publisher.exchange(publish("short.lived", "x"))
        _ = try await subscriber.exchange(.unsubscribe(Frame.Unsubscribe(subscriptionID: 1)))
        await broker.advance(by: .seconds(9))
        await broker.run()
        #expect(broker.core.directory.count == 1, "idle for less than the retirement time")
        await broker.advance(by: .seconds(4))
        await broker.run()
        #expect(broker.core.directory.count == 0, "idle for the retirement time, retired at the next round")
        #expect(broker.core.directory.idleTopics.count == 0)
    }

    @Test func thousandsOfIdleTopicsRetireOverSeveralPasses() async throws {
        let broker = try EmbeddedBroker { $0.idleTopicRetirement = .seconds(10) }
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("many.*")
        let publisher = try await broker.connectReady()
        // More than a chunk of the queue, and several passes of the sweep.
        let names = (0..<3_000).map { "many.\($0)" }
        try await publisher.send(bytes: EmbeddedClient.encode(names.map { publish($0, "x") }))
        #expect(broker.core.directory.count == names.count)
        #expect(broker.core.directory.idleTopics.count == names.count)
        _ = try await subscriber.exchange(.unsubscribe(Frame.Unsubscribe(subscriptionID: 1)))
        await broker.advance(by: .seconds(13))
        await broker.run()
        #expect(broker.core.directory.count == 0)
        #expect(broker.core.directory.idleTopics.count == 0)
    }
}
