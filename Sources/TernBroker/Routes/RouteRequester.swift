import NIOCore
import TernProtocol

/// A request that came over a route, as the responder it is delivered to sees its requester:
/// the reply goes back over the route as ROUTED_REPLY.
final class RouteRequester: Requester {
    let peer: RoutePeer
    let routeRequestID: UInt64
    private let responders: ResponderDirectory

    init(peer: RoutePeer, routeRequestID: UInt64, responders: ResponderDirectory) {
        self.peer = peer
        self.routeRequestID = routeRequestID
        self.responders = responders
    }

    func receive(_ reply: Frame.Reply, otherwise: @escaping @Sendable () -> Void) {
        guard peer.channel.isActive else {
            otherwise()
            return
        }
        var buffer = peer.channel.allocator.buffer(capacity: reply.payload.readableBytes + 32)
        let routed = RouteFrame.Reply(routeRequestID: routeRequestID, code: reply.code, headers: reply.headers, schema: reply.schema, payload: reply.payload)
        // A reply passed the responder's limits, so its fields always fit.
        guard (try? buffer.writeRouteFrame(.reply(routed))) != nil else { return }
        peer.send(buffer)
    }

    /// Hands the request to one of this node's responders, in turn; `no_responders` when it has none.
    func reroute(_ request: Frame.Request) {
        guard let responder = responders.responder(for: request.topic) else {
            receive(Frame.Reply(requestID: request.requestID, code: .noResponders, payload: ByteBuffer(string: "no responders on '\(request.topic)'")))
            return
        }
        responder.connection.execute { $0.deliver(request, to: responder, from: self) }
    }
}
