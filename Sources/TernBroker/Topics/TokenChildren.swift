/// The children of a ``TokenTrie`` node by token. One dictionary while there are few; split
/// into shards once there are many (a node under which 100,000 devices each have a token), so
/// that the dictionary's growth, which rehashes it whole, never covers more than a small share
/// of them at once and never holds an event loop for long.
struct TokenChildren<Node> {
    private var single: [TokenKey: Node] = [:]
    private var shards: [[TokenKey: Node]] = []
    /// The children in ``shards``, so that ``isEmpty`` need not look at every shard.
    private var shardedCount = 0

    /// Beyond this many children, they are split into shards.
    static var splitThreshold: Int { 4096 }
    static var shardCount: Int { 64 }

    var isEmpty: Bool { shards.isEmpty ? single.isEmpty : shardedCount == 0 }

    subscript(token: TokenKey) -> Node? {
        get {
            shards.isEmpty ? single[token] : shards[Self.shard(of: token)][token]
        }
        set {
            if shards.isEmpty {
                single[token] = newValue
                if single.count > Self.splitThreshold { split() }
            } else {
                let shard = Self.shard(of: token)
                let before = shards[shard].count
                shards[shard][token] = newValue
                shardedCount += shards[shard].count - before
            }
        }
    }

    /// Every child.
    var values: [Node] {
        shards.isEmpty ? Array(single.values) : shards.flatMap { $0.values }
    }

    private mutating func split() {
        shards = Array(repeating: [:], count: Self.shardCount)
        for (token, node) in single {
            shards[Self.shard(of: token)][token] = node
        }
        shardedCount = single.count
        single = [:]
    }

    private static func shard(of token: TokenKey) -> Int {
        Int(UInt(bitPattern: token.hashValue) % UInt(shardCount))
    }
}
