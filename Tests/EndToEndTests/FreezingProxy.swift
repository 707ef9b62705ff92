import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy on 127.0.0.1 to one local port that can go silent the way a network partition
/// does: once frozen, no connection it carries moves a byte again and none is closed; after a
/// thaw, only connections opened since carry bytes. It can also stall the way a peer that falls
/// behind does: it stops reading from the connections it carries, so that their bytes back up
/// in the sockets and then in the sender.
final class FreezingProxy: Sendable {
    let port: Int
    private let channel: any Channel
    private let state: NIOLockedValueBox<State>

    private struct State {
        var frozen = false
        /// Counts freezes: a connection carries bytes only in the generation it was opened in.
        var generation = 0
        /// Both ends of every connection carried so far.
        var channels: [any Channel] = []
    }

    init(to target: Int) async throws {
        let state = NIOLockedValueBox(State())
        self.state = state
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                let generation = state.withLockedValue { $0.generation }
                let admits: @Sendable () -> Bool = { state.withLockedValue { !$0.frozen && $0.generation == generation } }
                let handler = Forwarding(admits: admits)
                let bound = NIOLoopBound(handler, eventLoop: inbound.eventLoop)
                return inbound.pipeline.addHandler(handler).flatMap {
                    ClientBootstrap(group: inbound.eventLoop)
                        .channelInitializer { outbound in
                            let reverse = Forwarding(admits: admits)
                            reverse.connect(to: inbound)
                            return outbound.pipeline.addHandler(reverse)
                        }
                        .connect(host: "127.0.0.1", port: target)
                }.map { outbound in
                    bound.value.connect(to: outbound)
                    state.withLockedValue { $0.channels += [inbound, outbound] }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    func freeze() {
        state.withLockedValue {
            $0.frozen = true
            $0.generation += 1
        }
    }

    /// Stops reading from every connection carried now; those opened later carry bytes.
    func stall() {
        for channel in state.withLockedValue({ $0.channels }) {
            channel.setOption(.autoRead, value: false).whenComplete { _ in }
        }
    }

    /// Closes every connection carried now, as a network that resets them does.
    func cut() {
        for channel in state.withLockedValue({ $0.channels }) {
            channel.close(promise: nil)
        }
    }

    func thaw() {
        state.withLockedValue { $0.frozen = false }
    }

    func close() async {
        try? await channel.close()
    }
}

/// Copies what one side reads to the other while the proxy admits it; holds what arrives before
/// the other side is connected.
private final class Forwarding: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let admits: @Sendable () -> Bool
    private var peer: (any Channel)?
    private var pending: [ByteBuffer] = []

    init(admits: @escaping @Sendable () -> Bool) {
        self.admits = admits
    }

    /// Starts forwarding to `peer`, what arrived so far first.
    func connect(to peer: any Channel) {
        self.peer = peer
        for buffer in pending where admits() { peer.writeAndFlush(buffer, promise: nil) }
        pending = []
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard admits() else { return }
        guard let peer else {
            pending.append(buffer)
            return
        }
        peer.writeAndFlush(buffer, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer?.close(promise: nil)
        context.fireChannelInactive()
    }
}
