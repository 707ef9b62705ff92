/// How much costly work (opening and closing subscriptions, registry operations, creating topics)
/// one connection may do in one turn of its event loop, so that a burst from one client never
/// holds the loop, and every other connection on it, for more than a few milliseconds.
struct WorkBudget {
    /// Units of work per turn: a unit is about a microsecond.
    static let unitsPerTurn = 1000

    /// Opening or closing a subscription: a trie walk, the match cache, a queue.
    static let subscriptionChange = 2
    /// A registry operation: parsing and checking a schema.
    static let registryOperation = 50
    /// A topic a read's publishes are handed to, which may be created.
    static let topicHandOff = 2

    private var remaining = unitsPerTurn

    var isSpent: Bool { remaining <= 0 }

    mutating func spend(_ units: Int) {
        remaining -= units
    }

    /// A new turn of the event loop begins.
    mutating func renew() {
        remaining = Self.unitsPerTurn
    }
}
