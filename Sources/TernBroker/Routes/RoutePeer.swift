import Atomics
import NIOCore
import TernCluster

/// A route that is up: the peer it leads to, its channel, and what crossed it.
final class RoutePeer: Sendable {
    let member: ClusterMember
    let channel: any Channel
    /// Whether this node dialled the route (else it accepted it).
    let dialled: Bool
    let messagesOut = ManagedAtomic<UInt64>(0)
    let bytesOut = ManagedAtomic<UInt64>(0)
    let messagesIn = ManagedAtomic<UInt64>(0)
    let bytesIn = ManagedAtomic<UInt64>(0)

    init(member: ClusterMember, channel: any Channel, dialled: Bool) {
        self.member = member
        self.channel = channel
        self.dialled = dialled
    }

    /// Writes `frames`, which hold `messages` messages, to the route, from any thread: writes
    /// from one thread reach the peer in the order they were made.
    func send(_ frames: ByteBuffer, messages: Int = 0) {
        if messages > 0 {
            messagesOut.wrappingIncrement(by: UInt64(messages), ordering: .relaxed)
            bytesOut.wrappingIncrement(by: UInt64(frames.readableBytes), ordering: .relaxed)
        }
        channel.writeAndFlush(frames, promise: nil)
    }
}
