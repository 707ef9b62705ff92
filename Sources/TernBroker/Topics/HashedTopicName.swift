/// A topic's name with its hash, computed once: a read's batches, the topic table's shards and
/// their dictionaries all key on it, so that a new topic's name is hashed once, not at each.
struct HashedTopicName: Hashable, Sendable {
    let name: String
    /// `name.hashValue`, valid within this process, which is all a key needs.
    let hash: Int

    init(_ name: String) {
        self.name = name
        self.hash = name.hashValue
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.hash == rhs.hash && lhs.name == rhs.name
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }
}
