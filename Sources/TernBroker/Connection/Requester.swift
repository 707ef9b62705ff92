import TernProtocol

/// Who a request delivered to a responder came from, and who gets its reply: a client
/// connection of this broker, or another node of the cluster over a route.
protocol Requester: AnyObject, Sendable {
    /// Hands `reply` to the requester; `otherwise` when it is gone by then.
    func receive(_ reply: Frame.Reply, otherwise: @escaping @Sendable () -> Void)
    /// Routes `request` again: the responder it was given to went away before taking it.
    func reroute(_ request: Frame.Request)
}

extension Requester {
    func receive(_ reply: Frame.Reply) {
        receive(reply, otherwise: {})
    }
}

extension ConnectionHandle: Requester {
    func receive(_ reply: Frame.Reply, otherwise: @escaping @Sendable () -> Void) {
        execute({ $0.sendReply(reply) }, otherwise: otherwise)
    }

    func reroute(_ request: Frame.Request) {
        execute { $0.route(request) }
    }
}
