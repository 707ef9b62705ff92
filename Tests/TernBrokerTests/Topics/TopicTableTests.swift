import Testing

@testable import TernBroker

/// The live topics by name, including names whose hashes are the same.
@Suite struct TopicTableTests {
    private let broker: EmbeddedBroker

    init() throws {
        broker = try EmbeddedBroker()
    }

    private func makeTopic(_ name: HashedTopicName) -> Topic {
        // No subscription matches it, as of the index's current generation.
        Topic(
            key: name, settings: broker.core.configuration.mailbox, subscribers: TopicSubscribers(), matchedAt: broker.core.directory.subscriptions.generation,
            series: nil, eventLoop: broker.loop, directory: broker.core.directory
        )
    }

    @Test func aNameGetsOneTopicUntilItIsRemoved() {
        let table = TopicTable()
        let name = HashedTopicName("orders.eu")
        let first = table.topic(named: name) { makeTopic(name) }
        #expect(table.topic(named: HashedTopicName("orders.eu")) { Issue.record("made a second topic"); return nil } === first)
        #expect(table.topic(named: HashedTopicName("orders.us")) { nil } == nil, "nothing made, nothing kept")
        #expect(table.remove(first!))
        #expect(!table.remove(first!), "removed once")
        let second = table.topic(named: name) { makeTopic(name) }
        #expect(second !== first && table.all.count == 1)
    }

    @Test func namesWithOneHashKeepTopicsOfTheirOwn() throws {
        let table = TopicTable()
        let names = ["a", "b", "c"].map { HashedTopicName($0, hash: 42) }
        let topics = try names.map { name in try #require(table.topic(named: name) { makeTopic(name) }) }
        for (name, topic) in zip(names, topics) {
            #expect(table.topic(named: name) { Issue.record("made a second topic for \(name.name)"); return nil } === topic)
        }
        // The first, kept by hash, goes: the others are still found, and its name gets a new topic.
        #expect(table.remove(topics[0]))
        #expect(table.topic(named: names[2]) { nil } === topics[2])
        let again = try #require(table.topic(named: names[0]) { makeTopic(names[0]) })
        #expect(again !== topics[0])
        #expect(!table.remove(topics[0]), "a removed topic is not its name's any more")
        #expect(table.remove(topics[1]) && table.remove(topics[2]) && table.remove(again))
        #expect(table.all.isEmpty)
    }
}
