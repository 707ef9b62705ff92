import NIOConcurrencyHelpers

/// The live topics by name, in shards: each has a lock and a dictionary of its own, so that
/// neither a lock nor the growth of a dictionary (which copies it whole) covers more than a
/// small share of a broker with a million topics. A ``HashedTopicName``'s hash, computed once,
/// picks the shard and keys the topic in it, so that neither finding, adding nor removing a
/// topic hashes its name again.
final class TopicTable: Sendable {
    private let shards: [NIOLockedValueBox<[HashedTopicName: Topic]>]

    /// How many shards: enough that one holds a few thousand of a million topics.
    static let shardCount = 256

    init() {
        shards = (0..<Self.shardCount).map { _ in NIOLockedValueBox([:]) }
    }

    private func shard(for name: HashedTopicName) -> NIOLockedValueBox<[HashedTopicName: Topic]> {
        shards[Int(UInt(bitPattern: name.hash) % UInt(Self.shardCount))]
    }

    /// The topic of that name; when there is none, the one `create` makes, unless it makes none.
    /// One lock and one look-up find a live topic; a new one is made and added under the same lock.
    func topic(named name: HashedTopicName, orCreate create: () -> Topic?) -> Topic? {
        shard(for: name).withLockedValue { shard in
            if let existing = shard[name] { return existing }
            guard let created = create() else { return nil }
            shard[name] = created
            return created
        }
    }

    /// Removes `topic` if it is the one of its name; returns whether it was.
    func remove(_ topic: Topic) -> Bool {
        shard(for: topic.key).withLockedValue { shard in
            guard shard[topic.key] === topic else { return false }
            shard[topic.key] = nil
            return true
        }
    }

    /// Every topic.
    var all: [Topic] {
        shards.flatMap { shard in shard.withLockedValue { Array($0.values) } }
    }
}
