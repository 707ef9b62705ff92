import Atomics

/// What crossed all of a node's routes since it started, and what befell them: the
/// `tern_route_*` metrics.
final class RouteTotals: Sendable {
    let messagesOut = ManagedAtomic<UInt64>(0)
    /// Payload bytes of the messages forwarded.
    let bytesOut = ManagedAtomic<UInt64>(0)
    let messagesIn = ManagedAtomic<UInt64>(0)
    let bytesIn = ManagedAtomic<UInt64>(0)
    /// Routes that came up to a member that had had one: each a full resync.
    let resyncs = ManagedAtomic<UInt64>(0)
    /// Routes closed as slow peers'.
    let slowPeers = ManagedAtomic<UInt64>(0)
    /// Messages a slow peer did not get.
    let messagesDropped = ManagedAtomic<UInt64>(0)
}

/// The routes' figures at one moment, for the metrics.
struct RouteMetrics: Sendable {
    var routesUp: Int
    var localInterest: Int
    var remoteInterest: Int
    var messagesOut: UInt64
    var bytesOut: UInt64
    var messagesIn: UInt64
    var bytesIn: UInt64
    var resyncs: UInt64
    var slowPeers: UInt64
    var messagesDropped: UInt64
}
