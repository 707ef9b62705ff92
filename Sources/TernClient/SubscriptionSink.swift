import TernProtocol

/// Where a subscription's deliveries go: the messages of a ``TernSubscription``, or the
/// requests of a ``TernResponder``.
enum SubscriptionSink {
    case messages(TernSubscription.Producer.Source)
    case requests(TernResponder.Producer.Source)

    /// Ends the sequence: normally, or throwing `error`.
    func finish(_ error: TernClientError? = nil) {
        switch (self, error) {
        case (.messages(let source), let error?): source.finish(error)
        case (.messages(let source), nil): source.finish()
        case (.requests(let source), let error?): source.finish(error)
        case (.requests(let source), nil): source.finish()
        }
    }
}
