import NIOCore
import TernProtocol

extension ClusterRoutes {
    /// Forwards `request`, which no responder of this node takes, to a peer with a matching
    /// responder entry, in turn (CLUSTER.md, "Forwarding"); `false` when no peer has one. This
    /// node keeps the request's timeout.
    func forward(_ request: Frame.Request, from requester: ConnectionHandle) -> Bool {
        guard let peer = responderPeer(forTopic: request.topic) else { return false }
        let milliseconds = request.timeoutMilliseconds == 0
            ? UInt32(clamping: requestTimeout.nanoseconds / 1_000_000) : request.timeoutMilliseconds
        let id = forwardedRequests.add(from: requester, requestID: request.requestID, to: peer.member.id)
        let timer = requester.eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) { [self] in
            guard let pending = forwardedRequests.end(id) else { return }
            directory.statistics.requestTimedOut()
            pending.requester.receive(Frame.Reply(
                requestID: pending.requestID, code: .timeout, payload: ByteBuffer(string: "no reply within \(milliseconds) ms")
            ))
        }
        forwardedRequests.setTimer(timer, of: id)
        let routed = RouteFrame.Request(
            routeRequestID: id, timeoutMilliseconds: milliseconds, topic: request.topic, headers: request.headers, schema: request.schema,
            payload: request.payload
        )
        var buffer = peer.channel.allocator.buffer(capacity: request.payload.readableBytes + 64)
        // The request passed this node's limits, so its fields always fit.
        guard (try? buffer.writeRouteFrame(.request(routed))) != nil else { return false }
        peer.send(buffer)
        return true
    }

    /// A peer's ROUTED_REQUEST: to one of this node's responders.
    func received(_ request: RouteFrame.Request, from peer: RoutePeer) {
        let requester = RouteRequester(peer: peer, routeRequestID: request.routeRequestID, responders: responders)
        requester.reroute(Frame.Request(
            requestID: request.routeRequestID, topic: request.topic, timeoutMilliseconds: request.timeoutMilliseconds, headers: request.headers,
            schema: request.schema, payload: request.payload
        ))
    }

    /// A peer's ROUTED_REPLY: to the requester of the request this node forwarded; a reply to a
    /// request that timed out meanwhile is dropped.
    func received(_ reply: RouteFrame.Reply, from peer: RoutePeer) {
        guard let pending = forwardedRequests.end(reply.routeRequestID, of: peer.member.id) else {
            directory.statistics.lateReplyDropped()
            return
        }
        pending.requester.receive(Frame.Reply(requestID: pending.requestID, code: reply.code, headers: reply.headers, schema: reply.schema, payload: reply.payload))
    }

    /// Fails the requests forwarded to `peer` with `responder_gone`: its route went down.
    func failRequests(forwardedTo peer: RoutePeer) {
        for pending in forwardedRequests.endAll(of: peer.member.id) {
            directory.statistics.requestLostItsResponder()
            pending.requester.receive(Frame.Reply(
                requestID: pending.requestID, code: .responderGone, payload: ByteBuffer(string: "the route to the responder's node went down")
            ))
        }
    }
}
