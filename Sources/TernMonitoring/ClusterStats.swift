/// A cluster node's view of its cluster, as `/stats` serves it (CLUSTER.md): its interest and
/// its routes to the other live members.
public struct ClusterStats: Codable, Sendable, Hashable {
    /// The cluster's name.
    public var name: String
    /// This node's member id.
    public var memberID: String
    /// This node's interest entries: (pattern, kind, queue group) with local subscriptions.
    public var interest: Int
    /// One per other live member, sorted by its id.
    public var routes: [Route]

    public init(name: String, memberID: String, interest: Int, routes: [Route]) {
        self.name = name
        self.memberID = memberID
        self.interest = interest
        self.routes = routes
    }

    /// The route to one other member.
    public struct Route: Codable, Sendable, Hashable {
        /// The peer's member id.
        public var peer: String
        /// The peer's route address.
        public var address: String
        /// `up`, or `connecting` while no route to the member is up.
        public var state: String
        /// `dialled` or `accepted`, while the route is up.
        public var direction: String?
        public var messagesIn: UInt64
        public var bytesIn: UInt64
        public var messagesOut: UInt64
        public var bytesOut: UInt64
        /// The peer's interest entries, as the route told them.
        public var interest: Int
        /// How many times a route to the peer came up again after the first: each was a full resync.
        public var resyncs: Int

        public init(
            peer: String, address: String, state: String, direction: String?, messagesIn: UInt64, bytesIn: UInt64, messagesOut: UInt64,
            bytesOut: UInt64, interest: Int, resyncs: Int
        ) {
            self.peer = peer
            self.address = address
            self.state = state
            self.direction = direction
            self.messagesIn = messagesIn
            self.bytesIn = bytesIn
            self.messagesOut = messagesOut
            self.bytesOut = bytesOut
            self.interest = interest
            self.resyncs = resyncs
        }
    }
}
