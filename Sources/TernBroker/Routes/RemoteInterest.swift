import TernProtocol

/// One interest entry of a peer, as the ``SubscriptionIndex`` of remote interest holds it.
final class RemoteInterestEntry: PatternSubscription {
    let peer: RoutePeer
    let pattern: String
    let queueGroup: String?

    init(peer: RoutePeer, key: InterestKey) {
        self.peer = peer
        self.pattern = key.pattern
        self.queueGroup = key.queueGroup
    }
}

/// The interest of every peer whose route is up (CLUSTER.md, "Interest"): the entries of
/// messages in one index, where a topic finds the peers to forward to, with their counts.
/// A peer starts from no interest on every new route.
///
/// Not thread-safe: ``ClusterRoutes`` guards it.
struct RemoteInterest {
    /// Message entries of every peer, by pattern.
    let messages = SubscriptionIndex<RemoteInterestEntry>(cacheCapacity: 0)
    /// Responder entries of every peer, by pattern.
    let responders = SubscriptionIndex<RemoteInterestEntry>()
    /// Each peer's entries (of both kinds) and their counts, by member id.
    private var entries: [String: [InterestKey: (entry: RemoteInterestEntry, count: UInt32)]] = [:]
    /// Where each topic looked up recently goes, current at ``cachedGeneration``.
    private var targetsByTopic: [String: RouteTargets] = [:]
    private var cachedGeneration: UInt64 = 0

    /// The most topics whose peers are remembered.
    static let cacheCapacity = 4096

    /// Sets the count of one of `peer`'s entries; 0 removes it. A count already known changes nothing.
    mutating func update(_ peer: RoutePeer, _ key: InterestKey, count: UInt32) {
        var table = entries[peer.member.id] ?? [:]
        defer { entries[peer.member.id] = table.isEmpty ? nil : table }
        if count == 0 {
            guard let removed = table.removeValue(forKey: key) else { return }
            index(of: key).remove(removed.entry)
            return
        }
        if let existing = table[key] {
            table[key] = (existing.entry, count)
            return
        }
        let entry = RemoteInterestEntry(peer: peer, key: key)
        table[key] = (entry, count)
        index(of: key).insert(entry)
    }

    private func index(of key: InterestKey) -> SubscriptionIndex<RemoteInterestEntry> {
        key.isResponder ? responders : messages
    }

    /// Forgets everything of `peer`: its route is down.
    mutating func removeAll(of peer: RoutePeer) {
        guard let table = entries.removeValue(forKey: peer.member.id) else { return }
        for (key, value) in table {
            index(of: key).remove(value.entry)
        }
    }

    /// The number of entries of the peer `id`.
    func entryCount(of id: String) -> Int {
        entries[id]?.count ?? 0
    }

    /// The patterns of `peer`'s entries of messages that match `topic`, each once.
    func patterns(of peer: RoutePeer, matching topic: String) -> [String] {
        let matching = messages.subscribers(forTopic: topic, cached: false).subscribers
        var patterns: [String] = []
        for entry in matching.individuals + matching.groups.flatMap(\.members) where entry.peer === peer && !patterns.contains(entry.pattern) {
            patterns.append(entry.pattern)
        }
        return patterns
    }

    /// The peers with a responder entry that matches `topic`, each once.
    func responderPeers(forTopic topic: String) -> [RoutePeer] {
        let matching = responders.subscribers(forTopic: topic).subscribers
        var peers: [RoutePeer] = []
        for entry in matching.individuals + matching.groups.flatMap(\.members) where !peers.contains(where: { $0 === entry.peer }) {
            peers.append(entry.peer)
        }
        return peers
    }

    /// The peers with an entry of messages that matches `topic`: those with one of no queue
    /// group, and for each queue group, those with a member.
    mutating func targets(forTopic topic: String) -> RouteTargets {
        let generation = messages.generation
        if generation != cachedGeneration {
            targetsByTopic.removeAll(keepingCapacity: true)
            cachedGeneration = generation
        }
        if let cached = targetsByTopic[topic] { return cached }
        let matching = messages.subscribers(forTopic: topic, cached: false).subscribers
        var targets = RouteTargets()
        for entry in matching.individuals where !targets.peers.contains(where: { $0 === entry.peer }) {
            targets.peers.append(entry.peer)
        }
        for group in matching.groups {
            var peers: [RoutePeer] = []
            for entry in group.members where !peers.contains(where: { $0 === entry.peer }) {
                peers.append(entry.peer)
            }
            targets.groups.append((group.name, peers))
        }
        if targetsByTopic.count >= Self.cacheCapacity { targetsByTopic.removeAll(keepingCapacity: true) }
        targetsByTopic[topic] = targets
        return targets
    }
}

/// Where the messages of one topic go across routes.
struct RouteTargets {
    /// The peers with an entry of no queue group: each gets every message.
    var peers: [RoutePeer] = []
    /// The queue groups with members on peers, and those peers: each message goes to one of them.
    var groups: [(name: String, peers: [RoutePeer])] = []

    var isEmpty: Bool { peers.isEmpty && groups.isEmpty }
}
