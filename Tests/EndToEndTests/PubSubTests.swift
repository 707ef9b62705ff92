import NIOCore
import Testing
import TernBroker
import TernClient
import TernProtocol

@Suite(.timeLimit(.minutes(2))) struct PubSubTests {
    @Test func everySubscriberGetsEveryMessageInOrder() async throws {
        try await withBroker { broker in
            let publisher = try await broker.connect(name: "publisher")
            var subscriptions: [TernSubscription] = []
            var clients: [TernClient] = []
            for index in 0..<4 {
                let client = try await broker.connect(name: "subscriber-\(index)")
                clients.append(client)
                subscriptions.append(try await client.subscribe(to: "fan.out"))
            }
            let expected = (0..<500).map { "message \($0)" }
            for text in expected {
                try await publisher.publish(text, to: "fan.out")
            }
            try await publisher.flush()
            for subscription in subscriptions {
                #expect(try await subscription.strings(expected.count) == expected)
            }
            for client in clients + [publisher] { await client.close() }
        }
    }

    @Test func wildcardsMatchOneTokenOrTheRest() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            let oneToken = try await client.subscribe(to: "orders.*")
            let rest = try await client.subscribe(to: "orders.>")
            let middle = try await client.subscribe(to: "orders.*.created")
            for topic in ["orders", "orders.eu", "orders.eu.created", "orders.us.deleted", "payments.eu"] {
                try await client.publish(topic, to: topic)
            }
            try await client.flush()
            #expect(try await oneToken.strings(1) == ["orders.eu"])
            // Order is kept per topic; these are three topics.
            #expect(Set(try await rest.strings(3)) == ["orders.eu", "orders.eu.created", "orders.us.deleted"])
            #expect(try await middle.strings(1) == ["orders.eu.created"])
            await client.close()
        }
    }

    @Test func aQueueGroupGivesEachMessageToExactlyOneMember() async throws {
        try await withBroker { broker in
            let publisher = try await broker.connect(name: "publisher")
            var members: [TernSubscription] = []
            for index in 0..<3 {
                let client = try await broker.connect(name: "worker-\(index)")
                members.append(try await client.subscribe(to: "jobs", queueGroup: "workers"))
            }
            let observer = try await publisher.subscribe(to: "jobs")
            let count = 600
            for index in 0..<count {
                try await publisher.publish("\(index)", to: "jobs")
            }
            try await publisher.flush()
            #expect(try await observer.strings(count).count == count)

            let tally = Tally()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, member) in members.enumerated() {
                    group.addTask {
                        for try await message in member { await tally.add(member: index, message.string) }
                    }
                }
                try await eventually(within: 20, "the group to take every job") { await tally.total >= count }
                try await Task.sleep(for: .milliseconds(200))
                group.cancelAll()
            }
            let shares = await tally.shares
            let all = shares.values.flatMap { $0 }
            #expect(all.count == count, "no message twice")
            #expect(Set(all) == Set((0..<count).map { "\($0)" }), "every message once")
            #expect(shares.count == 3 && shares.values.allSatisfy { !$0.isEmpty }, "every member had a share: \(shares.mapValues(\.count))")
        }
    }

    @Test func eachPublishersOrderIsKept() async throws {
        try await withBroker { broker in
            let subscriberClient = try await broker.connect(name: "subscriber")
            let subscription = try await subscriberClient.subscribe(to: "ordered")
            let perPublisher = 2_000
            try await withThrowingTaskGroup(of: Void.self) { group in
                for publisherIndex in 0..<4 {
                    group.addTask {
                        let publisher = try await broker.connect(name: "publisher-\(publisherIndex)")
                        for sequence in 0..<perPublisher {
                            try await publisher.publish("\(publisherIndex):\(sequence)", to: "ordered")
                        }
                        try await publisher.flush()
                        await publisher.close()
                    }
                }
                try await group.waitForAll()
            }
            let received = try await subscription.strings(4 * perPublisher, within: 60)
            var next = [Int](repeating: 0, count: 4)
            for text in received {
                let parts = text.split(separator: ":").compactMap { Int($0) }
                #expect(parts[1] == next[parts[0]], "publisher \(parts[0]) out of order")
                next[parts[0]] = parts[1] + 1
            }
            #expect(next == [perPublisher, perPublisher, perPublisher, perPublisher])
            await subscriberClient.close()
        }
    }

    @Test func headersArriveWithTheMessage() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            let subscription = try await client.subscribe(to: "with.headers")
            try await client.publish("payload", to: "with.headers", headers: ["trace-id": "abc", "tenant": "7"])
            let message = try #require(try await subscription.messages(1).first)
            #expect(message.headers["trace-id"] == "abc")
            #expect(message.headers["tenant"] == "7")
            #expect(message.string == "payload")
            await client.close()
        }
    }

    @Test func anAcknowledgedPublishReturnsOnceTheTopicHasIt() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            let subscription = try await client.subscribe(to: "acked")
            try await client.publish("one", to: "acked", acknowledged: true)
            let statistics = try #require(await broker.statistics(ofTopic: "acked"))
            #expect(statistics.counters.published == 1)
            #expect(try await subscription.messages(1).first?.string == "one")
            await client.close()
        }
    }

    @Test func aPublishNobodySubscribesToIsAcknowledgedAndCountedAndMakesNoTopic() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            try await client.publish("one", to: "unheard", acknowledged: true)
            #expect(await broker.statistics(ofTopic: "unheard") == nil)
            let statistics = broker.server.statistics.snapshot
            #expect(statistics.topics == 0 && statistics.published == 1)
            await client.close()
        }
    }

    @Test func unsubscribingStopsDelivery() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            let subscription = try await client.subscribe(to: "leaving")
            try await client.publish("first", to: "leaving")
            #expect(try await subscription.strings(1) == ["first"])
            // Leaving the loop above unsubscribed; the topic forgets the subscriber.
            try await eventually("the topic to forget the subscriber") {
                await broker.statistics(ofTopic: "leaving")?.subscribers == 0
            }
            await client.close()
        }
    }

    @Test func invalidTopicsAndPatternsAreRefused() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            await #expect(throws: TernClientError.self) { try await client.publish("x", to: "bad..topic") }
            await #expect(throws: TernClientError.self) { try await client.publish("x", to: "wild.*") }
            await #expect(throws: TernClientError.self) { _ = try await client.subscribe(to: "a.>.b") }
            // The connection keeps working.
            let subscription = try await client.subscribe(to: "fine")
            try await client.publish("ok", to: "fine")
            #expect(try await subscription.strings(1) == ["ok"])
            await client.close()
        }
    }

    @Test func idleTopicsWithoutSubscribersAreRetired() async throws {
        try await withBroker({ $0.idleTopicRetirement = .milliseconds(100) }) { broker in
            let client = try await broker.connect()
            // The acknowledgement proves the topic was created; nothing keeps it alive.
            try await client.publish("nobody listens", to: "short.lived", acknowledged: true)
            try await eventually("the idle topic to be retired") {
                await broker.statistics(ofTopic: "short.lived") == nil
            }
            // A retired topic comes back on its next use.
            let subscription = try await client.subscribe(to: "short.lived")
            try await client.publish("again", to: "short.lived")
            #expect(try await subscription.strings(1) == ["again"])
            await client.close()
        }
    }

    @Test func topicsWhoseSubscribersLeftAreRetiredAndSubscribedOnesLive() async throws {
        try await withBroker({ $0.idleTopicRetirement = .milliseconds(100) }) { broker in
            let publisher = try await broker.connect()
            let staying = try await broker.connect()
            let kept = try await staying.subscribe(to: "kept")
            let leaving = try await broker.connect()
            let left = try await leaving.subscribe(to: "left.*")
            try await publisher.publish("one", to: "left.a")
            #expect(try await left.strings(1) == ["one"])
            try await publisher.publish("two", to: "kept", acknowledged: true)
            // Nothing tells the topic that its subscriber left, and nobody looks at it (looking
            // would refresh it): the idle sweep has to find out.
            await leaving.close()
            try await Task.sleep(for: .milliseconds(600))
            #expect(await broker.statistics(ofTopic: "left.a") == nil)
            // A quiet topic with a subscriber stays, sweep after sweep.
            #expect(await broker.statistics(ofTopic: "kept")?.subscribers == 1)
            try await publisher.publish("three", to: "kept")
            #expect(try await kept.strings(2) == ["two", "three"])
            await publisher.close()
            await staying.close()
        }
    }

    @Test func thousandsOfTopics() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            let subscription = try await client.subscribe(to: "many.>")
            let topics = (0..<3_000).map { "many.topic\($0)" }
            // Read while publishing: a client whose subscription is not consumed stops reading.
            let reader = Task { try await subscription.strings(topics.count, within: 60) }
            for topic in topics {
                try await client.publish(topic, to: topic)
            }
            try await client.flush()
            #expect(Set(try await reader.value) == Set(topics))
            #expect(broker.server.statistics.snapshot.topics >= topics.count)
            await client.close()
        }
    }

    @Test func aSubscriberThatDisconnectsMidStreamHarmsNoOne() async throws {
        try await withBroker { broker in
            let publisher = try await broker.connect(name: "publisher")
            let steadyClient = try await broker.connect(name: "steady")
            let steady = try await steadyClient.subscribe(to: "stream")
            let leaving = try await broker.connect(name: "leaving")
            let leavingSubscription = try await leaving.subscribe(to: "stream")
            let count = 5_000
            let publishing = Task {
                for index in 0..<count {
                    try await publisher.publish("\(index)", to: "stream")
                }
                try await publisher.flush()
            }
            _ = try await leavingSubscription.strings(10)
            await leaving.close()
            try await publishing.value
            #expect(try await steady.strings(count, within: 60) == (0..<count).map { "\($0)" })
            try await eventually("the leaving connection to be gone") {
                broker.server.statistics.snapshot.connections == 2
            }
            await publisher.close()
            await steadyClient.close()
        }
    }
}

/// Messages received per queue-group member.
actor Tally {
    private(set) var shares: [Int: [String]] = [:]
    private(set) var total = 0

    func add(member: Int, _ text: String) {
        shares[member, default: []].append(text)
        total += 1
    }
}
