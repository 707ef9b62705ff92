import Atomics
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TernCluster
import TernProtocol
import TernTLS

/// A node's routes to the other nodes of its cluster (CLUSTER.md, "Routes"): it accepts routes
/// on the cluster listen address, dials the members whose id is greater than its own (again,
/// with a back-off, while they are members and no route is up), tells each peer its interest,
/// and forwards what its clients publish to the peers whose interest matches.
final class ClusterRoutes: Sendable {
    let membership: ClusterMembership
    let logger: Logger
    let tls: RouteTLS
    let directory: TopicDirectory
    let responders: ResponderDirectory
    /// How long a request that names no timeout waits.
    let requestTimeout: TimeAmount
    /// The most bytes of forwarded messages a route may hold unwritten: a connection's max.
    let maxPendingBytes: Int
    /// Tells this node's subscriptions on a pattern that `count` messages a peer could not
    /// forward are lost: (pattern, count).
    let noticeDrops: @Sendable (String, UInt64) -> Void
    let forwardedRequests = ForwardedRequests()
    let group: any EventLoopGroup
    let limits: Limits
    let state = Mutex<State>(State())
    /// The peers whose interest is known (those whose route is up, and slow peers' waiting for
    /// theirs): the publish path reads this before anything else.
    let peersWithInterest = ManagedAtomic(0)
    /// What crossed the routes, and what befell them.
    let totals = RouteTotals()
    let listener = Mutex<(any Channel)?>(nil)

    struct State: ~Copyable {
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

    func configure(_ channel: any Channel, role: RouteHandler.Role) throws {
        let handlers = channel.pipeline.syncOperations
        let context = if case .dialler = role { tls.client } else { tls.server }
        try handlers.addHandler(TLSHandler(context: context))
        try handlers.addHandler(ByteToMessageHandler(RouteFrameDecoder(maxFrameLength: limits.maxFrameLength + Self.routeFrameAllowance)))
        try handlers.addHandler(RouteHandler(routes: self, role: role))
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
}
