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

    @Test func hashesOfOneShardSpreadOverATablesBuckets() {
        // One shard's names agree in the low bits of their hashes; a table picks buckets by those.
        let hashes = (0..<4_096).map { $0 << 8 | 0x2A }
        for seed in [0, 1, -7_777_777] {
            let buckets = Set(hashes.map { HashedTopicName.spread($0, seed: seed) & 4_095 })
            #expect(buckets.count > 2_400, "seed \(seed): \(buckets.count) buckets of 4,096 for 4,096 keys")
        }
        #expect(HashedTopicName.spread(42, seed: 1) != HashedTopicName.spread(42, seed: 2), "the seed changes the order")
    }

    @Test func namesAreKeysByTheirNameAndHash() {
        var positions: [HashedTopicName: Int] = [:]
        let names = ["a", "b", "c"].map { HashedTopicName($0, hash: 42) } + (0..<1_000).map { HashedTopicName("orders.\($0)") }
        for (index, name) in names.enumerated() { positions[name] = index }
        for (index, name) in names.enumerated() { #expect(positions[HashedTopicName(name.name, hash: name.hash)] == index) }
        #expect(positions[HashedTopicName("a", hash: 43)] == nil)
    }
}
