import Atomics
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TernCluster
import TernMonitoring
import TernProtocol
import TernTLS

/// A node's routes to the other nodes of its cluster (CLUSTER.md, "Routes"): it accepts routes
/// on the cluster listen address, dials the members whose id is greater than its own (again,
/// with a back-off, while they are members and no route is up), tells each peer its interest,
/// and forwards what its clients publish to the peers whose interest matches.
final class ClusterRoutes: Sendable {
    let membership: ClusterMembership
    let logger: Logger
    private let tls: RouteTLS
    let directory: TopicDirectory
    let responders: ResponderDirectory
    /// How long a request that names no timeout waits.
    let requestTimeout: TimeAmount
    /// The most bytes of forwarded messages a route may hold unwritten: a connection's max.
    private let maxPendingBytes: Int
    /// Tells this node's subscriptions on a pattern that `count` messages a peer could not
    /// forward are lost: (pattern, count).
    private let noticeDrops: @Sendable (String, UInt64) -> Void
    let forwardedRequests = ForwardedRequests()
    private let group: any EventLoopGroup
    private let limits: Limits
    private let state = Mutex<State>(State())
    /// The peers whose interest is known (those whose route is up, and slow peers' waiting for
    /// theirs): the publish path reads this before anything else.
    private let peersWithInterest = ManagedAtomic(0)
    /// What crossed the routes, and what befell them.
    let totals = RouteTotals()
    private let listener = Mutex<(any Channel)?>(nil)

    private struct State: ~Copyable {
        var peers: [String: RoutePeer] = [:]
        /// Slow peers' closed routes, by member id, until a route to the member is up again or
        /// it leaves: their interest is kept, so that what they miss meanwhile is counted.
        var slowAndDown: [String: RoutePeer] = [:]
        var remote = RemoteInterest()
        var local = LocalInterest()
        var members: [String: ClusterMember] = [:]
        /// Members a dial is under way to, or scheduled for.
        var dialling: Set<String> = []
        /// The next back-off of each member whose dial failed.
        var backOff: [String: TimeAmount] = [:]
        /// How many times each peer's route came up after the first: each was a full resync.
        var resyncs: [String: Int] = [:]
        /// Each queue group's next turn among the peers with members.
        var groupTurns: [String: Int] = [:]
        /// Each request topic's next turn among the peers with responders.
        var requestTurns: [String: Int] = [:]
        /// For each member whose route was closed as a slow peer's, how many messages matching
        /// each of its patterns it did not get: sent as ROUTED_DROPS once its route is up again.
        var undelivered: [String: [String: UInt64]] = [:]
        var stopped = false
    }

    /// The first wait before dialling a member again, and the longest.
    static let firstBackOff = TimeAmount.milliseconds(100)
    static let longestBackOff = TimeAmount.seconds(5)
    /// What a route frame may hold beyond the max frame length: the queue groups of a
    /// ROUTED_MESSAGE whose PUBLISH had the longest length allowed.
    static let routeFrameAllowance: UInt32 = 65_536

    init(
        membership: ClusterMembership, tls: RouteTLS, directory: TopicDirectory, responders: ResponderDirectory, limits: Limits,
        requestTimeout: TimeAmount, maxPendingBytes: Int, group: any EventLoopGroup, logger: Logger,
        noticeDrops: @escaping @Sendable (String, UInt64) -> Void
    ) {
        self.maxPendingBytes = maxPendingBytes
        self.noticeDrops = noticeDrops
        self.membership = membership
        self.tls = tls
        self.directory = directory
        self.responders = responders
        self.requestTimeout = requestTimeout
        self.limits = limits
        self.group = group
        var logger = logger
        logger[metadataKey: "cluster"] = "\(membership.keys.cluster)"
        self.logger = logger
    }

    /// This node's ROUTE_HELLO.
    var hello: RouteFrame.Hello {
        RouteFrame.Hello(cluster: membership.keys.cluster, memberID: membership.member.id, maxFrameLength: limits.maxFrameLength)
    }

    // MARK: Starting and stopping

    /// Accepts routes on the cluster listen address, and dials members as they come.
    func start() async throws {
        guard let address = membership.settings.listen else { return }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel, role: .acceptor) }
            }
            .bind(host: address.host, port: address.port)
            .get()
        listener.withLock { $0 = channel }
        logger.info("accepting routes", metadata: ["address": "\(address.host):\(channel.localAddress?.port ?? address.port)"])
        membership.observeMembers { [self] members in membersChanged(members) }
        membersChanged(membership.members)
    }

    /// Closes every route with ROUTE_CLOSE `shutting_down`, all at once, and stops accepting
    /// and dialling; returns once they are closed (each within its TLS shutdown timeout).
    func stop() async {
        let peers = state.withLock { state in
            state.stopped = true
            return Array(state.peers.values)
        }
        try? await listener.withLock { $0 }?.close()
        for peer in peers {
            var buffer = peer.channel.allocator.buffer(capacity: 32)
            _ = try? buffer.writeRouteFrame(.close(RouteFrame.Close(reason: .shuttingDown, message: "the node is shutting down")))
            peer.send(buffer)
            peer.channel.close(promise: nil)
        }
        for peer in peers {
            try? await peer.channel.closeFuture.get()
        }
    }

    private func configure(_ channel: any Channel, role: RouteHandler.Role) throws {
        let handlers = channel.pipeline.syncOperations
        let context = if case .dialler = role { tls.client } else { tls.server }
        try handlers.addHandler(TLSHandler(context: context))
        try handlers.addHandler(ByteToMessageHandler(RouteFrameDecoder(maxFrameLength: limits.maxFrameLength + Self.routeFrameAllowance)))
        try handlers.addHandler(RouteHandler(routes: self, role: role))
    }

    // MARK: Members and dialling

    /// Dials the new members this node dials, and drops the routes of members that left.
    private func membersChanged(_ members: [ClusterMember]) {
        let own = membership.member.id
        let (toDial, gone) = state.withLock { state -> ([ClusterMember], [RoutePeer]) in
            guard !state.stopped else { return ([], []) }
            state.members = Dictionary(members.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
            state.undelivered = state.undelivered.filter { state.members[$0.key] != nil }
            for (id, slow) in state.slowAndDown where state.members[id] == nil {
                state.slowAndDown[id] = nil
                state.remote.removeAll(of: slow)
                peersWithInterest.wrappingDecrement(ordering: .relaxed)
            }
            let gone = state.peers.values.filter { state.members[$0.member.id] == nil }
            var toDial: [ClusterMember] = []
            for member in members where own < member.id && state.peers[member.id] == nil && !state.dialling.contains(member.id) {
                state.dialling.insert(member.id)
                toDial.append(member)
            }
            return (toDial, gone)
        }
        for peer in gone {
            peer.channel.close(promise: nil)
        }
        for member in toDial { dial(member) }
    }

    /// Dials `member`, marked as being dialled; when no route comes of it, dials again later.
    private func dial(_ member: ClusterMember) {
        guard let address = ServerAddress(member.route) else {
            logger.warning("cannot dial a member whose route address is not HOST:PORT", metadata: ["peer": "\(member.id)", "route": "\(member.route)"])
            _ = state.withLock { $0.dialling.remove(member.id) }
            return
        }
        let connection = ClientBootstrap(group: group)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel, role: .dialler(member)) }
            }
            .connect(host: address.host, port: address.port)
        connection.whenComplete { result in
            switch result {
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in self.dialEnded(member) }
            case .failure(let error):
                self.logger.debug("cannot dial a member", metadata: ["peer": "\(member.id)", "error": "\(error)"])
                self.dialEnded(member)
            }
        }
    }

    /// A dial failed or its route closed: dials again after the back-off while the member is
    /// a member and no route to it is up.
    private func dialEnded(_ member: ClusterMember) {
        let delay = state.withLock { state -> TimeAmount? in
            guard !state.stopped, state.members[member.id] != nil, state.peers[member.id] == nil else {
                state.dialling.remove(member.id)
                return nil
            }
            let delay = state.backOff[member.id] ?? Self.firstBackOff
            state.backOff[member.id] = min(delay * 2, Self.longestBackOff)
            return delay
        }
        guard let delay else { return }
        group.next().scheduleTask(in: delay) {
            let current = self.state.withLock { state -> ClusterMember? in
                guard !state.stopped, let current = state.members[member.id], state.peers[member.id] == nil else {
                    state.dialling.remove(member.id)
                    return nil
                }
                return current
            }
            if let current { self.dial(current) }
        }
    }

    // MARK: Routes up and down

    /// Why a ROUTE_HELLO is refused.
    struct Refusal: Error {
        var reason: RouteFrame.Close.Reason
        var message: String
    }

    /// Checks a peer's ROUTE_HELLO (CLUSTER.md, "Connecting"): its route is admitted, or
    /// refused with the ROUTE_CLOSE reason to send.
    func admit(_ hello: RouteFrame.Hello, channel: any Channel, dialled: Bool) -> Result<RoutePeer, Refusal> {
        guard hello.version == RouteFrame.Hello.currentVersion else {
            return .failure(Refusal(reason: .configMismatch, message: "route version \(hello.version), not \(RouteFrame.Hello.currentVersion)"))
        }
        guard hello.cluster == membership.keys.cluster else {
            return .failure(Refusal(reason: .wrongCluster, message: "this node is of cluster \(membership.keys.cluster), not \(hello.cluster)"))
        }
        guard hello.maxFrameLength == limits.maxFrameLength else {
            return .failure(Refusal(reason: .configMismatch, message: "max frame length \(hello.maxFrameLength), this node's is \(limits.maxFrameLength)"))
        }
        return state.withLock { state in
            guard !state.stopped else { return .failure(Refusal(reason: .shuttingDown, message: "the node is shutting down")) }
            guard hello.memberID != membership.member.id, let member = state.members[hello.memberID] ?? membership.members.first(where: { $0.id == hello.memberID }) else {
                return .failure(Refusal(reason: .unknownMember, message: "\(hello.memberID) is not a live member"))
            }
            guard state.peers[member.id] == nil else {
                return .failure(Refusal(reason: .duplicateRoute, message: "a route to \(member.id) is already up"))
            }
            return .success(RoutePeer(member: member, channel: channel, dialled: dialled, maxPendingBytes: maxPendingBytes, totals: totals))
        }
    }

    /// Makes `peer`'s route one that forwarding and interest use, and sends the peer this node's
    /// whole interest, then INTEREST_SYNCED; called on the route's event loop.
    func routeUp(_ peer: RoutePeer) {
        let resynced = state.withLock { state in
            if let slow = state.slowAndDown.removeValue(forKey: peer.member.id) {
                state.remote.removeAll(of: slow)
                peersWithInterest.wrappingDecrement(ordering: .relaxed)
            }
            state.peers[peer.member.id] = peer
            state.backOff[peer.member.id] = nil
            var buffer = peer.channel.allocator.buffer(capacity: 256)
            let drops = (state.undelivered.removeValue(forKey: peer.member.id) ?? [:]).map { RouteFrame.drops(RouteFrame.Drops(pattern: $0.key, count: $0.value)) }
            for frame in state.local.frames + [.interestSynced] + drops {
                // Patterns and groups were checked when subscribed, so their frames always encode.
                _ = try? buffer.writeRouteFrame(frame)
            }
            // Under the lock, so that no change of interest can reach the peer before the whole.
            peer.send(buffer)
            peersWithInterest.wrappingIncrement(ordering: .relaxed)
            defer { state.resyncs[peer.member.id, default: -1] += 1 }
            let resynced = state.resyncs[peer.member.id] != nil
            if resynced { totals.resyncs.wrappingIncrement(ordering: .relaxed) }
            return resynced
        }
        logger.info("route up", metadata: [
            "peer": "\(peer.member.id)", "route": "\(peer.member.route)", "direction": "\(peer.dialled ? "dialled" : "accepted")",
            "resync": "\(resynced)",
        ])
    }

    /// Forgets `peer`'s route and its interest; a slow peer's interest stays until a route to
    /// it is up again or it leaves, for counting what it misses.
    func routeDown(_ peer: RoutePeer, reason: String) {
        let wasUp = state.withLock { state in
            guard state.peers[peer.member.id] === peer else { return false }
            state.peers[peer.member.id] = nil
            if peer.isSlow && state.members[peer.member.id] != nil && !state.stopped {
                state.slowAndDown[peer.member.id] = peer
            } else {
                state.remote.removeAll(of: peer)
                peersWithInterest.wrappingDecrement(ordering: .relaxed)
            }
            if state.members[peer.member.id] == nil { state.resyncs[peer.member.id] = nil }
            return true
        }
        guard wasUp else { return }
        logger.info("route down", metadata: ["peer": "\(peer.member.id)", "reason": "\(peer.isSlow ? "slow_peer" : reason)"])
        failRequests(forwardedTo: peer)
    }

    // MARK: Interest

    /// One of this node's interest entries gained (`delta` 1) or lost (-1) a subscription: the
    /// peers hear its new count.
    func localInterestChanged(pattern: String, queueGroup: String?, isResponder: Bool, by delta: Int) {
        let key = InterestKey(pattern: pattern, queueGroup: queueGroup, isResponder: isResponder)
        state.withLock { state in
            let count = state.local.change(key, by: delta)
            guard !state.peers.isEmpty else { return }
            var buffer = ByteBuffer()
            guard (try? buffer.writeRouteFrame(key.frame(count: count))) != nil else { return }
            // Under the lock, so that every peer hears the changes in the order they were made.
            for peer in state.peers.values { peer.send(buffer) }
        }
    }

    /// A peer's INTEREST: the count of one of its entries.
    func remoteInterestChanged(_ peer: RoutePeer, _ interest: RouteFrame.Interest) {
        state.withLock { state in
            guard state.peers[peer.member.id] === peer else { return }
            state.remote.update(peer, InterestKey(interest), count: interest.count)
        }
    }

    // MARK: Forwarding

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
            guard let topic = directory.topic(named: name, preferring: eventLoop) else {
                directory.statistics.rejected(messages.count)
                logger.warning("dropped routed messages: too many topics", metadata: ["topic": "\(name)", "count": "\(messages.count)"])
                continue
            }
            topic.execute { $0.publish(messages, from: nil) }
        }
    }

    /// Whether a peer's topic is one a client could have published to.
    func isValidTopic(_ topic: String) -> Bool {
        TopicSyntax.problem(withTopic: topic, maxLength: Int(limits.maxTopicLength)) == nil
    }

    // MARK: Visibility

    /// The routes' figures now, for the metrics.
    var metrics: RouteMetrics {
        state.withLock { state in
            RouteMetrics(
                routesUp: state.peers.count, localInterest: state.local.counts.count,
                remoteInterest: state.peers.keys.reduce(0) { $0 + state.remote.entryCount(of: $1) },
                messagesOut: totals.messagesOut.load(ordering: .relaxed), bytesOut: totals.bytesOut.load(ordering: .relaxed),
                messagesIn: totals.messagesIn.load(ordering: .relaxed), bytesIn: totals.bytesIn.load(ordering: .relaxed),
                resyncs: totals.resyncs.load(ordering: .relaxed), slowPeers: totals.slowPeers.load(ordering: .relaxed),
                messagesDropped: totals.messagesDropped.load(ordering: .relaxed)
            )
        }
    }

    /// The node's interest and its routes, one per other live member, for `/stats`.
    var stats: ClusterStats {
        state.withLock { state in
            let others = state.members.values.filter { $0.id != membership.member.id }.sorted { $0.id < $1.id }
            let routes = others.map { member in
                let peer = state.peers[member.id]
                return ClusterStats.Route(
                    peer: member.id, address: member.route, state: peer == nil ? "connecting" : "up",
                    direction: peer.map { $0.dialled ? "dialled" : "accepted" },
                    messagesIn: peer?.messagesIn.load(ordering: .relaxed) ?? 0, bytesIn: peer?.bytesIn.load(ordering: .relaxed) ?? 0,
                    messagesOut: peer?.messagesOut.load(ordering: .relaxed) ?? 0, bytesOut: peer?.bytesOut.load(ordering: .relaxed) ?? 0,
                    interest: state.remote.entryCount(of: member.id), resyncs: state.resyncs[member.id] ?? 0
                )
            }
            return ClusterStats(name: membership.keys.cluster, memberID: membership.member.id, interest: state.local.counts.count, routes: routes)
        }
    }
}
