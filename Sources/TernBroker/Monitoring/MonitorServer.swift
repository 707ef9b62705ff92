import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import TernProtocol

/// The monitoring listener: plain HTTP/1.1 on an event loop of its own, so that neither a
/// scrape nor a slow HTTP client ever holds up message traffic.
final class MonitorServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Listens on `address` and answers with `monitor`.
    ///
    /// - Throws: NIO's `IOError` when the address cannot be bound.
    static func start(at address: ServerAddress, monitor: BrokerMonitor, logger: Logger) async throws -> MonitorServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(MonitorHTTPHandler(monitor: monitor, logger: logger))
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
            return MonitorServer(group: group, channel: channel)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel) {
        self.group = group
        self.channel = channel
    }

    /// The port the listener is bound to.
    var port: Int? { channel.localAddress?.port }

    /// Stops listening and closes the connections.
    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Answers the requests of one HTTP connection, in order, each once it is complete.
private final class MonitorHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let monitor: BrokerMonitor
    private let logger: Logger
    private var request: HTTPRequestHead?

    init(monitor: BrokerMonitor, logger: Logger) {
        self.monitor = monitor
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            let (monitor, eventLoop) = (self.monitor, context.eventLoop)
            let loopBoundContext = NIOLoopBound(context, eventLoop: eventLoop)
            let loopBoundSelf = NIOLoopBound(self, eventLoop: eventLoop)
            eventLoop.makeFutureWithTask {
                await monitor.respond(to: head.method, target: head.uri)
            }.whenSuccess { response in
                loopBoundSelf.value.send(response, keepAlive: head.isKeepAlive, version: head.version, context: loopBoundContext.value)
            }
        }
    }

    private func send(_ response: BrokerMonitor.Response, keepAlive: Bool, version: HTTPVersion, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
        var body = context.channel.allocator.buffer(capacity: response.body.count)
        body.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if !keepAlive {
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in loopBoundContext.value.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("closing a monitoring connection after an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
