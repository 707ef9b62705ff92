import NIOCore
import NIOPosix
import TernProtocol
import TernTLS

/// Opens the channels a client's connections run on, one per attempt.
///
/// A client reconnects through the same opener on the same event loop. Tests give a client an
/// opener of `NIOAsyncTestingChannel`s and play the broker's end of each, without a socket.
protocol ChannelOpener: Sendable {
    /// Opens a channel to `server` on `eventLoop` whose pipeline ends with what `addHandler`
    /// adds (it runs on the event loop, once the transport's handlers are in place).
    func open(
        to server: ServerAddress, on eventLoop: any EventLoop, addingHandler addHandler: @escaping @Sendable (any Channel) throws -> Void
    ) -> EventLoopFuture<any Channel>
}

/// Opens TCP connections, with TLS unless `tls` is `nil`.
struct SocketChannelOpener: ChannelOpener {
    let tls: TLSContext?
    /// The name expected in the brokers' certificates; `nil` expects each server's host.
    let serverName: String?
    let connectTimeout: Duration

    func open(
        to server: ServerAddress, on eventLoop: any EventLoop, addingHandler addHandler: @escaping @Sendable (any Channel) throws -> Void
    ) -> EventLoopFuture<any Channel> {
        let (tls, serverName) = (self.tls, self.serverName ?? server.host)
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(TLSHandler(context: tls, serverName: serverName))
                    }
                    try addHandler(channel)
                }
            }
            .connect(host: server.host, port: server.port)
    }
}
