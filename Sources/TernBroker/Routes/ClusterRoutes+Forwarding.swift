import NIOCore
import TernProtocol

extension ClusterRoutes {
    /// A peer with a responder entry that matches `topic`, in turn; `nil` when none has one.
    func responderPeer(forTopic topic: String) -> RoutePeer? {
        guard peersWithInterest.load(ordering: .relaxed) > 0 else { return nil }
        return state.withLock { state in
            let peers = state.remote.responderPeers(forTopic: topic).filter { state.peers[$0.member.id] === $0 }
            guard !peers.isEmpty else {
                state.requestTurns[topic] = nil
                return nil
            }
            let turn = state.requestTurns[topic, default: 0]
            state.requestTurns[topic] = turn &+ 1
            return peers[turn % peers.count]
        }
    }

    /// Forwards messages a client published to `topic` on this node, once to each peer with a
    /// matching entry of no queue group, and to one peer in turn for each queue group with
    /// members on peers and none here (CLUSTER.md, "Forwarding"). Called on the publisher's
    /// event loop, so each publisher's messages reach each peer in the order it published them.
    func forward(_ messages: [PublishedMessage], topic: String, allocator: ByteBufferAllocator) {
        guard peersWithInterest.load(ordering: .relaxed) > 0 else { return }
        let targets = state.withLock { $0.remote.targets(forTopic: topic) }
        guard !targets.isEmpty else { return }
        var remoteGroups = targets.groups
        if !remoteGroups.isEmpty {
            // A group with a member here is served here.
            let localGroups = directory.subscriptions.subscribers(forTopic: topic).subscribers.groups
            remoteGroups.removeAll { group in localGroups.contains { $0.name == group.name } }
        }
        guard !remoteGroups.isEmpty else {
            guard !targets.peers.isEmpty else { return }
            var buffer = allocator.buffer(capacity: messages.reduce(0) { $0 + $1.size + 32 })
            var payloadBytes = 0
            for message in messages {
                encode(message, groups: [], into: &buffer)
                payloadBytes += message.payload.readableBytes
            }
            for peer in targets.peers {
                let taken = peer.forward(buffer, messages: messages.count, payloadBytes: payloadBytes) {
                    self.undelivered(messages.count, to: peer, topic: topic)
                }
                if !taken { fellBehind(peer, topic: topic, messages: messages.count) }
            }
            return
        }
        var outgoing = RouteOutgoing(peers: targets.peers)
        let choices = chooseMembers(of: remoteGroups, count: messages.count)
        for (index, message) in messages.enumerated() {
            for recipient in outgoing.recipients(of: choices[index]) {
                encode(message, groups: recipient.groups, into: &outgoing.batches[recipient.slot].frames)
                outgoing.batches[recipient.slot].messages += 1
                outgoing.batches[recipient.slot].payloadBytes += message.payload.readableBytes
            }
        }
        for batch in outgoing.batches where batch.messages > 0 {
            let (peer, count) = (batch.peer, batch.messages)
            if !peer.forward(batch.frames, messages: count, payloadBytes: batch.payloadBytes, lost: { self.undelivered(count, to: peer, topic: topic) }) {
                fellBehind(peer, topic: topic, messages: count)
            }
        }
    }

    /// `peer`'s route could not take `messages` messages to `topic`: they are counted for each
    /// of its patterns they match, to be told to it when its route is up again, and the route
    /// is closed with ROUTE_CLOSE `slow_peer` (CLUSTER.md, "Forwarding").
    private func fellBehind(_ peer: RoutePeer, topic: String, messages: Int) {
        undelivered(messages, to: peer, topic: topic)
        guard peer.markSlow() else { return }
        totals.slowPeers.wrappingIncrement(ordering: .relaxed)
        logger.warning("slow peer: its route's queue is full; closing the route", metadata: [
            "peer": "\(peer.member.id)", "max-pending-bytes": "\(peer.maxPendingBytes)",
        ])
        var buffer = peer.channel.allocator.buffer(capacity: 64)
        _ = try? buffer.writeRouteFrame(.close(RouteFrame.Close(reason: .slowPeer, message: "the route's queue is full")))
        peer.send(buffer)
        peer.channel.close(promise: nil)
    }

    /// Counts `count` messages to `topic` that `peer` did not get, for each of its patterns
    /// they match (its interest as it was: that of a route going down is still known while
    /// its last writes fail).
    private func undelivered(_ count: Int, to peer: RoutePeer, topic: String) {
        state.withLock { state in
            for pattern in state.remote.patterns(of: peer, matching: topic) {
                state.undelivered[peer.member.id, default: [:]][pattern, default: 0] += UInt64(count)
            }
        }
        totals.messagesDropped.wrappingIncrement(by: UInt64(count), ordering: .relaxed)
    }

    /// For each of `count` messages, the peer each of `groups` gets it through, in turn.
    private func chooseMembers(of groups: [(name: String, peers: [RoutePeer])], count: Int) -> [[(group: String, peer: RoutePeer)]] {
        state.withLock { state in
            // A slow peer whose route is down takes no turn while another can.
            let candidates = groups.map { group in
                let up = group.peers.filter { state.peers[$0.member.id] === $0 }
                return (name: group.name, peers: up.isEmpty ? group.peers : up)
            }
            return (0..<count).map { _ in
                candidates.map { group in
                    let turn = state.groupTurns[group.name, default: 0]
                    state.groupTurns[group.name] = turn &+ 1
                    return (group.name, group.peers[turn % group.peers.count])
                }
            }
        }
    }

    private func encode(_ message: PublishedMessage, groups: [String], into buffer: inout ByteBuffer) {
        let routed = RouteFrame.Message(
            topic: message.topic, replyTo: message.replyTo, headers: message.headers, schema: message.schema, queueGroups: groups, payload: message.payload
        )
        do {
            try buffer.writeRouteFrame(.message(routed))
        } catch {
            // Publishes are validated on the way in, so their fields always fit.
            logger.error("could not encode a routed message", metadata: ["error": "\(error)"])
        }
    }

    /// A peer's ROUTED_DROPS: the subscriptions on its pattern lost messages.
    func received(_ drops: RouteFrame.Drops, from peer: RoutePeer) {
        logger.warning("messages were lost on a slow route", metadata: ["peer": "\(peer.member.id)", "pattern": "\(drops.pattern)", "count": "\(drops.count)"])
        noticeDrops(drops.pattern, drops.count)
    }

    /// Hands messages that came over a route to their topics, for this node's subscribers
    /// only: a message that came over a route is never forwarded again.
    func deliver(_ arrivals: [String: [PublishedMessage]], on eventLoop: any EventLoop) {
        for (name, messages) in arrivals {
            switch directory.destination(ofTopic: HashedTopicName(name), preferring: eventLoop) {
            case .topic(let topic):
                topic.execute { $0.publish(messages, from: nil) }
            case .nobody:
                _ = directory.acceptForNobody(messages)
            case .tooManyTopics:
                directory.statistics.rejected(messages.count)
                logger.warning("dropped routed messages: too many topics", metadata: ["topic": "\(name)", "count": "\(messages.count)"])
            }
        }
    }

    /// Whether a peer's topic is one a client could have published to.
    func isValidTopic(_ topic: String) -> Bool {
        TopicSyntax.problem(withTopic: topic, maxLength: Int(limits.maxTopicLength)) == nil
    }
}
