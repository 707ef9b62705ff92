/// A topic's name with its hash, computed once: a read's batches key on it and the topic table
/// picks its shard by it, so that neither hashes the name again.
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
