import TernProtocol

/// The open subscriptions of one connection, by the id the client gave each, and the rules for
/// opening one.
struct SubscriptionTable<Subscription: AnyObject> {
    let limits: Limits
    private(set) var byID: [UInt32: Subscription] = [:]

    init(limits: Limits) {
        self.limits = limits
    }

    var count: Int { byID.count }

    /// Why `subscribe` cannot open a subscription, or `nil` when it can: its pattern, what its
    /// user may do (`authorization`, none on a broker without users), its id, the limit, its
    /// read-as version. `readAsProblem` tells why a subscription cannot read as a schema version
    /// (it is not registered), if it cannot.
    func problem(
        with subscribe: Frame.Subscribe, authorization: ConnectionAuthorization?, readAsProblem: (SchemaReference) -> (ErrorCode, String)?
    ) -> (ErrorCode, String)? {
        if let problem = TopicSyntax.problem(withPattern: subscribe.pattern, maxLength: Int(limits.maxTopicLength)) {
            return (.invalidPattern, problem)
        }
        if let group = subscribe.queueGroup, !VisibleName.isValid(group) {
            return (.invalidPattern, "queue group '\(group)' must be 1 to 255 bytes of visible ASCII")
        }
        if let refusal = authorization?.refusal(subscribingTo: subscribe.pattern, responder: subscribe.isResponder) {
            return (.permissionDenied, refusal)
        }
        if byID[subscribe.subscriptionID] != nil {
            return (.duplicateSubscription, "subscription \(subscribe.subscriptionID) is already open")
        }
        if byID.count >= limits.maxSubscriptions {
            return (.tooManySubscriptions, "a connection may hold \(limits.maxSubscriptions) subscriptions")
        }
        if let readAs = subscribe.readAs, let problem = readAsProblem(readAs) {
            return problem
        }
        return nil
    }

    mutating func add(_ subscription: Subscription, id: UInt32) {
        byID[id] = subscription
    }

    /// Closes the subscription `id`, returning it, or `nil` when none is open under that id.
    mutating func remove(id: UInt32) -> Subscription? {
        byID.removeValue(forKey: id)
    }

    /// Closes every subscription, handing them over by id: the table moves out whole, in
    /// constant time however many it holds.
    mutating func removeAll() -> [UInt32: Subscription] {
        var taken: [UInt32: Subscription] = [:]
        swap(&taken, &byID)
        return taken
    }
}
