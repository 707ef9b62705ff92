import NIOConcurrencyHelpers

/// The live topics by name, in shards: each has a lock and a dictionary of its own, so that
/// neither a lock nor the growth of a dictionary (which copies it whole) covers more than a
/// small share of a broker with a million topics.
final class TopicTable: Sendable {
    private let shards: [NIOLockedValueBox<[String: Topic]>]

    /// How many shards: enough that one holds a few thousand of a million topics.
    static let shardCount = 256

    init() {
        shards = (0..<Self.shardCount).map { _ in NIOLockedValueBox([:]) }
    }

    private func shard(for name: String) -> NIOLockedValueBox<[String: Topic]> {
        shards[Int(UInt(bitPattern: name.hashValue) % UInt(Self.shardCount))]
    }

    subscript(name: String) -> Topic? {
        shard(for: name).withLockedValue { $0[name] }
    }

    /// The topic of that name, inserting `candidate` if there is none and `admit` allows it.
    func topic(named name: String, inserting candidate: Topic, if admit: () -> Bool) -> Topic? {
        shard(for: name).withLockedValue { shard in
            if let existing = shard[name] { return existing }
            guard admit() else { return nil }
            shard[name] = candidate
            return candidate
        }
    }

    /// Removes `topic` if it is the one of its name; returns whether it was.
    func remove(_ topic: Topic) -> Bool {
        shard(for: topic.name).withLockedValue { shard in
            guard shard[topic.name] === topic else { return false }
            shard[topic.name] = nil
            return true
        }
    }

    /// Every topic.
    var all: [Topic] {
        shards.flatMap { shard in shard.withLockedValue { Array($0.values) } }
    }
}
