import NIOCore
import TernCluster
import TernProtocol
import TernTLS

/// One route's end (CLUSTER.md, "Routes"), dialled or accepted: the ROUTE_HELLO exchange once
/// TLS is up, then interest, forwarded messages and keep-alive, until either side closes.
final class RouteHandler: ChannelInboundHandler {
    typealias InboundIn = RouteFrame
    typealias OutboundOut = ByteBuffer

    /// Which end of the route this is.
    enum Role {
        /// This node dialled `member`, whose ROUTE_HELLO must say it is that member.
        case dialler(ClusterMember)
        case acceptor
    }

    private let routes: ClusterRoutes
    private let role: Role
    private var peer: RoutePeer?
    private var lastRead: NIODeadline = .now()
    private var keepAlive: RepeatedTask?
    /// Closes the route when no ROUTE_HELLO came in time.
    private var helloDeadline: Scheduled<Void>?
    /// Why the route is closing, for its `route down` line.
    private var closeReason = "connection closed"
    /// Forwarded messages read but not handed to their topics yet, by topic.
    private var arrivals = RoutedArrivals()

    /// How long a route may take, from its connection, to exchange ROUTE_HELLO.
    static let helloTimeout = TimeAmount.seconds(10)
    /// How often a route sends PING, and how many intervals of silence close it.
    static let pingInterval = TimeAmount.seconds(5)
    static let silentIntervals: Int64 = 3

    init(routes: ClusterRoutes, role: Role) {
        self.routes = routes
        self.role = role
    }

    func channelActive(context: ChannelHandlerContext) {
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        helloDeadline = context.eventLoop.scheduleTask(in: Self.helloTimeout) {
            guard loopBoundSelf.value.peer == nil else { return }
            loopBoundSelf.value.closeReason = "no ROUTE_HELLO within \(Self.helloTimeout.nanoseconds / 1_000_000_000) s"
            loopBoundContext.value.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let handshake = event as? TLSHandshakeCompleted else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard handshake.alpnProtocol == RouteTLS.alpn else {
            closeReason = "the peer did not choose ALPN \(RouteTLS.alpn)"
            context.close(promise: nil)
            return
        }
        if case .dialler = role { send(.hello(routes.hello), context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        let frame = unwrapInboundIn(data)
        guard let peer else {
            guard case .hello(let hello) = frame else {
                close(.malformedFrame, "the first frame on a route must be ROUTE_HELLO", context: context)
                return
            }
            admit(hello, context: context)
            return
        }
        switch frame {
        case .hello:
            close(.malformedFrame, "a second ROUTE_HELLO", context: context)
        case .interest(let interest):
            routes.remoteInterestChanged(peer, interest)
        case .interestSynced:
            routes.logger.debug("route interest synced", metadata: ["peer": "\(peer.member.id)"])
        case .message(let message):
            peer.received(payloadBytes: message.payload.readableBytes)
            guard routes.isValidTopic(message.topic) else {
                close(.malformedFrame, "invalid topic in ROUTED_MESSAGE", context: context)
                return
            }
            arrivals.add(message)
        case .request(let request):
            guard routes.isValidTopic(request.topic) else {
                close(.malformedFrame, "invalid topic in ROUTED_REQUEST", context: context)
                return
            }
            routes.received(request, from: peer)
        case .reply(let reply):
            routes.received(reply, from: peer)
        case .drops(let drops):
            routes.received(drops, from: peer)
        case .close(let close):
            closeReason = "peer closed it: \(close.reason)" + (close.message.isEmpty ? "" : " (\(close.message))")
            context.close(promise: nil)
        case .ping(let ping):
            send(.pong(ping), context: context)
        case .pong:
            break
        case .goodbye:
            closeReason = "peer said goodbye"
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !arrivals.isEmpty {
            routes.deliver(arrivals.take(), on: context.eventLoop)
        }
        context.fireChannelReadComplete()
    }

    /// Checks the peer's ROUTE_HELLO (CLUSTER.md, "Connecting"); an acceptor answers with its
    /// own. Then the route is up, and this node's whole interest goes to the peer.
    private func admit(_ hello: RouteFrame.Hello, context: ChannelHandlerContext) {
        if case .dialler(let member) = role, hello.memberID != member.id {
            close(.unknownMember, "dialled member \(member.id), reached \(hello.memberID)", context: context)
            return
        }
        let admitted = routes.admit(hello, channel: context.channel, dialled: { if case .dialler = role { true } else { false } }())
        switch admitted {
        case .failure(let refusal):
            close(refusal.reason, refusal.message, context: context)
        case .success(let admittedPeer):
            if case .acceptor = role { send(.hello(routes.hello), context: context) }
            peer = admittedPeer
            helloDeadline?.cancel()
            helloDeadline = nil
            routes.routeUp(admittedPeer)
            startKeepAlive(context: context)
        }
    }

    private func startKeepAlive(context: ChannelHandlerContext) {
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        keepAlive = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.pingInterval, delay: Self.pingInterval) { _ in
            let handler = loopBoundSelf.value
            let context = loopBoundContext.value
            if NIODeadline.now() - handler.lastRead > Self.pingInterval * Self.silentIntervals {
                handler.closeReason = "ping timeout"
                context.close(promise: nil)
            } else {
                handler.send(.ping(Frame.Ping(token: UInt64(NIODeadline.now().uptimeNanoseconds))), context: context)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let decoding = error as? FrameDecodingError {
            close(.malformedFrame, "\(decoding)", context: context)
        } else {
            closeReason = "\(error)"
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepAlive?.cancel()
        keepAlive = nil
        helloDeadline?.cancel()
        helloDeadline = nil
        if let peer {
            routes.routeDown(peer, reason: closeReason)
        } else if case .dialler(let member) = role {
            routes.logger.info("route not established", metadata: ["peer": "\(member.id)", "reason": "\(closeReason)"])
        }
        context.fireChannelInactive()
    }

    /// Sends ROUTE_CLOSE with `reason` and closes the route.
    private func close(_ reason: RouteFrame.Close.Reason, _ message: String, context: ChannelHandlerContext) {
        closeReason = "\(reason): \(message)"
        send(.close(RouteFrame.Close(reason: reason, message: message)), context: context)
        context.close(promise: nil)
    }

    private func send(_ frame: RouteFrame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        do {
            try buffer.writeRouteFrame(frame)
        } catch {
            routes.logger.error("could not encode a route frame", metadata: ["error": "\(error)"])
            return
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
