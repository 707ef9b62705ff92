import Atomics
import NIOCore
import TernCluster

/// A route that is up: the peer it leads to, its channel, and what crossed it.
final class RoutePeer: Sendable {
    let member: ClusterMember
    let channel: any Channel
    /// Whether this node dialled the route (else it accepted it).
    let dialled: Bool
    /// The most bytes of forwarded messages the route may hold unwritten (CLUSTER.md, "Forwarding").
    let maxPendingBytes: Int
    /// Messages, and their payload bytes, forwarded over this route and received from it.
    let messagesOut = ManagedAtomic<UInt64>(0)
    let bytesOut = ManagedAtomic<UInt64>(0)
    let messagesIn = ManagedAtomic<UInt64>(0)
    let bytesIn = ManagedAtomic<UInt64>(0)
    /// The same, over every route of the node.
    private let totals: RouteTotals
    /// Bytes of forwarded messages written to the route and not yet to its socket.
    private let pendingBytes = ManagedAtomic(0)
    /// Set once the route's queue filled: it is being closed with ROUTE_CLOSE `slow_peer`.
    private let slow = ManagedAtomic(false)

    init(member: ClusterMember, channel: any Channel, dialled: Bool, maxPendingBytes: Int, totals: RouteTotals) {
        self.totals = totals
        self.member = member
        self.channel = channel
        self.dialled = dialled
        self.maxPendingBytes = maxPendingBytes
    }

    /// Writes `frames` (interest, requests, replies: nothing that a full queue drops) to the
    /// route, from any thread: writes from one thread reach the peer in the order they were made.
    func send(_ frames: ByteBuffer) {
        channel.writeAndFlush(frames, promise: nil)
    }

    /// Writes `frames`, which hold `messages` forwarded messages of `payloadBytes`, unless the
    /// route holds its most pending bytes already (or is being closed as a slow peer): then
    /// returns `false`. `lost` is called when the frames were taken but the route closed before
    /// they left.
    func forward(_ frames: ByteBuffer, messages: Int, payloadBytes: Int, lost: @escaping @Sendable () -> Void) -> Bool {
        let size = frames.readableBytes
        guard !slow.load(ordering: .relaxed) else { return false }
        guard pendingBytes.wrappingIncrementThenLoad(by: size, ordering: .relaxed) <= maxPendingBytes else {
            pendingBytes.wrappingDecrement(by: size, ordering: .relaxed)
            return false
        }
        for (counter, value) in [(messagesOut, messages), (totals.messagesOut, messages), (bytesOut, payloadBytes), (totals.bytesOut, payloadBytes)] {
            counter.wrappingIncrement(by: UInt64(value), ordering: .relaxed)
        }
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { result in
            self.pendingBytes.wrappingDecrement(by: size, ordering: .relaxed)
            if case .failure = result { lost() }
        }
        channel.writeAndFlush(frames, promise: written)
        return true
    }

    /// Counts a message received from the route.
    func received(payloadBytes: Int) {
        for counter in [messagesIn, totals.messagesIn] { counter.wrappingIncrement(ordering: .relaxed) }
        for counter in [bytesIn, totals.bytesIn] { counter.wrappingIncrement(by: UInt64(payloadBytes), ordering: .relaxed) }
    }

    /// Marks the route as a slow peer's; `true` the first time.
    func markSlow() -> Bool {
        slow.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
    }

    var isSlow: Bool { slow.load(ordering: .relaxed) }
}
