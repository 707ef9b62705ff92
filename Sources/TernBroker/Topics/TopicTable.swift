import NIOConcurrencyHelpers

/// The live topics by name, in shards: each has a lock and a table of its own, so that neither
/// a lock nor the growth of a table (which copies it whole) covers more than a small share of a
/// broker with a million topics. A ``HashedTopicName``'s hash, computed once, picks the shard and
/// keys the topic in it, so that neither finding, adding nor removing a topic hashes its name again.
final class TopicTable: Sendable {
    /// One shard's topics, keyed by their names' hashes alone: a bucket holds a hash and a
    /// reference, 16 bytes, where one keyed by the whole name held 32, a tenth of a live topic.
    private struct Shard {
        /// The topics by hash; a topic found here is the one of a name when its name is that name.
        var byHash: [HashedTopicName.Hash: Topic] = [:]
        /// The topics whose name's hash is that of another live topic's name, by name.
        var collided: [HashedTopicName: Topic] = [:]
    }

    private let shards: [NIOLockedValueBox<Shard>]

    /// How many shards: enough that one holds a few thousand of a million topics.
    static let shardCount = 256

    init() {
        shards = (0..<Self.shardCount).map { _ in NIOLockedValueBox(Shard()) }
    }

    private func shard(for name: HashedTopicName) -> NIOLockedValueBox<Shard> {
        shards[Int(UInt(bitPattern: name.hash) % UInt(Self.shardCount))]
    }

    /// The topic of that name; when there is none, the one `create` makes, unless it makes none.
    /// One lock and one look-up find a live topic; a new one is made and added under the same lock.
    func topic(named name: HashedTopicName, orCreate create: () -> Topic?) -> Topic? {
        shard(for: name).withLockedValue { shard in
            let resident = shard.byHash[name.hashKey]
            if let resident, resident.key == name { return resident }
            if !shard.collided.isEmpty, let topic = shard.collided[name] { return topic }
            guard let created = create() else { return nil }
            if resident == nil {
                shard.byHash[name.hashKey] = created
            } else {
                shard.collided[name] = created
            }
            return created
        }
    }

    /// Removes `topic` if it is the one of its name; returns whether it was.
    func remove(_ topic: Topic) -> Bool {
        shard(for: topic.key).withLockedValue { shard in
            if shard.byHash[topic.key.hashKey] === topic {
                shard.byHash[topic.key.hashKey] = nil
                return true
            }
            guard shard.collided[topic.key] === topic else { return false }
            shard.collided[topic.key] = nil
            return true
        }
    }

    /// Every topic.
    var all: [Topic] {
        shards.flatMap { shard in shard.withLockedValue { Array($0.byHash.values) + $0.collided.values } }
    }
}
