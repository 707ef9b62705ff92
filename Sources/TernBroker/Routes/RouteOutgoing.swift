import NIOCore

/// The frames one batch of forwarded messages makes for each peer, when queue groups make
/// them differ from peer to peer.
struct RouteOutgoing {
    struct Batch {
        let peer: RoutePeer
        var frames = ByteBuffer()
        var messages = 0
        var payloadBytes = 0
    }

    /// One batch per peer that gets anything: those with an entry of no queue group first.
    var batches: [Batch]
    private let plainCount: Int

    init(peers: [RoutePeer]) {
        batches = peers.map { Batch(peer: $0) }
        plainCount = peers.count
    }

    /// Who gets one message, with the queue groups it is for there: every peer with an entry
    /// of no queue group, and the peer chosen for each group.
    mutating func recipients(of choices: [(group: String, peer: RoutePeer)]) -> [(slot: Int, groups: [String])] {
        var recipients = (0..<plainCount).map { (slot: $0, groups: [String]()) }
        for (group, peer) in choices {
            let slot = slot(of: peer)
            if let index = recipients.firstIndex(where: { $0.slot == slot }) {
                recipients[index].groups.append(group)
            } else {
                recipients.append((slot, [group]))
            }
        }
        return recipients
    }

    private mutating func slot(of peer: RoutePeer) -> Int {
        if let index = batches.firstIndex(where: { $0.peer === peer }) { return index }
        batches.append(Batch(peer: peer))
        return batches.count - 1
    }
}
