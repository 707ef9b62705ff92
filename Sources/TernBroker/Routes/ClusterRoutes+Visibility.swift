import TernMonitoring

extension ClusterRoutes {
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
