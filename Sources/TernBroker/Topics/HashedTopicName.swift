/// A topic's name with its hash, computed once: a read's batches key on it and the topic table
/// picks its shard by it, so that neither hashes the name again.
struct HashedTopicName: Hashable, Sendable {
    let name: String
    /// `name.hashValue`, valid within this process, which is all a key needs.
    let hash: Int

    init(_ name: String) {
        self.init(name, hash: name.hashValue)
    }

    /// A name with a hash of the caller's choosing: tests give two names one hash with it.
    init(_ name: String, hash: Int) {
        self.name = name
        self.hash = hash
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.hash == rhs.hash && lhs.name == rhs.name
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }
}
