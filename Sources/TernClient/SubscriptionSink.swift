import TernProtocol

/// Where a subscription's deliveries go: the messages of a ``TernSubscription``, or the
/// requests of a ``TernResponder``.
enum SubscriptionSink {
    case messages(TernSubscription.Queue)
    case requests(TernResponder.Queue)

    /// Ends the sequence: normally, or throwing `error`.
    func finish(_ error: TernClientError? = nil) {
        switch self {
        case .messages(let queue): queue.finish(error)
        case .requests(let queue): queue.finish(error)
        }
    }
}
