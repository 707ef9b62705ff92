import NIOCore
import NIOPosix
import TernCluster
import TernProtocol

extension ClusterRoutes {
    /// Dials the new members this node dials, and drops the routes of members that left.
    func membersChanged(_ members: [ClusterMember]) {
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
}
