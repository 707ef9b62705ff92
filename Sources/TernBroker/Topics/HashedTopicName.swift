/// A topic's name with its hash, computed once: a read's batches key on it and the topic table
/// picks its shard by it, so that neither hashes the name again.
///
/// As a dictionary key it is not hashed again either: the hash is the name's `hashValue`, a keyed
/// hash that clients cannot aim collisions at, so a table only needs it spread over its buckets
/// with the table's own seed (``spread(_:seed:)``), not a second run of the hash function.
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

    func _rawHashValue(seed: Int) -> Int {
        Self.spread(hash, seed: seed)
    }

    /// The hash alone, as a key.
    var hashKey: Hash { Hash(value: hash) }

    /// The hash alone, as a key: for a table that tells names of one hash apart itself.
    struct Hash: Hashable, Sendable {
        let value: Int

        func _rawHashValue(seed: Int) -> Int {
            HashedTopicName.spread(value, seed: seed)
        }
    }

    /// `hash` mixed with a table's `seed` so that every bit of it reaches the low bits a table
    /// picks its bucket by (the topic table's shards each hold names that agree in their low
    /// bits), and so that tables of different seeds order their keys differently (copying one
    /// table into another then does not probe long runs). MurmurHash3's 64-bit finalizer.
    static func spread(_ hash: Int, seed: Int) -> Int {
        var bits = UInt64(truncatingIfNeeded: hash ^ seed)
        bits ^= bits >> 33
        bits &*= 0xff51_afd7_ed55_8ccd
        bits ^= bits >> 33
        bits &*= 0xc4ce_b9fe_1a85_ec53
        bits ^= bits >> 33
        return Int(truncatingIfNeeded: bits)
    }
}
