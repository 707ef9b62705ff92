import TernProtocol

extension ConnectionHandler {
    /// Tells each subscription of this connection on `pattern` (responders aside) that `count`
    /// messages are lost: another node of the cluster could not forward them over a slow route.
    func noticeRouteDrops(pattern: String, count: UInt64) {
        var noticed = false
        for (id, subscriber) in state.subscriptions.byID where !subscriber.isResponder && subscriber.pattern == pattern {
            send(.dropNotice(Frame.DropNotice(subscriptionID: id, reason: .droppedNewest, count: count)))
            core.statistics.dropped(Int(clamping: count), reason: .droppedNewest)
            noticed = true
        }
        if noticed { flushIfNeeded() }
    }
}
