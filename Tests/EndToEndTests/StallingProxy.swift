import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy on 127.0.0.1 to one local port that can stall the way a peer that falls behind
/// does: once stalled, it stops reading from the connections it carries, so that their bytes
/// back up in the sockets and then in the sender; a connection closed at one end is closed at
/// the other. Connections opened after ``resume()`` carry bytes again.
final class StallingProxy: Sendable {
    let port: Int
    private let channel: any Channel
    private let carried: NIOLockedValueBox<(stalled: Bool, channels: [any Channel])>

    init(to target: Int) async throws {
        let carried = NIOLockedValueBox<(stalled: Bool, channels: [any Channel])>((false, []))
        self.carried = carried
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                let toTarget = Relay()
                return inbound.pipeline.addHandler(toTarget).flatMap {
                    ClientBootstrap(group: inbound.eventLoop)
                        .channelInitializer { outbound in outbound.pipeline.addHandler(Relay(to: inbound)) }
                        .connect(host: "127.0.0.1", port: target)
                }.map { outbound in
                    NIOLoopBound(toTarget, eventLoop: inbound.eventLoop).value.connect(to: outbound)
                    carried.withLockedValue { $0.channels += [inbound, outbound] }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    /// Stops reading from every connection carried now.
    func stall() {
        for channel in carried.withLockedValue({ $0.channels }) {
            channel.setOption(.autoRead, value: false).whenComplete { _ in }
        }
    }

    func close() async {
        try? await channel.close()
    }
}

/// Copies what one side reads to the other, holding what arrives before the other side is
/// connected; a close of one side closes the other.
private final class Relay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var peer: (any Channel)?
    private var pending: [ByteBuffer] = []

    init(to peer: (any Channel)? = nil) {
        self.peer = peer
    }

    func connect(to peer: any Channel) {
        self.peer = peer
        for buffer in pending { peer.writeAndFlush(buffer, promise: nil) }
        pending = []
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
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
