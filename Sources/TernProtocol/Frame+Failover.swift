extension Frame {
    /// LAME_DUCK (server → client): the server is leaving. It accepts no new connections and
    /// will close this one within `durationMilliseconds`, after writing what it accepted for it;
    /// the client should reconnect to another server when it does.
    public struct LameDuck: Sendable, Hashable {
        /// The time over which the server closes its connections, in milliseconds.
        public var durationMilliseconds: UInt32

        public init(durationMilliseconds: UInt32) {
            self.durationMilliseconds = durationMilliseconds
        }
    }

    /// SERVERS (server → client): addresses at which clients reach this server and the servers
    /// it knows, as `HOST:PORT` (an IPv6 host in brackets), for reconnecting and failing over.
    public struct Servers: Sendable, Hashable {
        public var addresses: [String]

        public init(addresses: [String]) {
            self.addresses = addresses
        }
    }
}
