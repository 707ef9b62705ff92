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

    /// Why `subscribe` cannot open a subscription, or `nil` when it can. `isRegistered` tells
    /// whether a read-as schema exists.
    func problem(with subscribe: Frame.Subscribe, isRegistered: (SchemaReference) -> Bool) -> (ErrorCode, String)? {
        if let problem = TopicSyntax.problem(withPattern: subscribe.pattern, maxLength: Int(limits.maxTopicLength)) {
            return (.invalidPattern, problem)
        }
        if let group = subscribe.queueGroup, !Headers.isValidName(group) || group.contains(".") {
            return (.invalidPattern, "queue group '\(group)' must be 1 to 255 visible ASCII characters without '.' or ':'")
        }
        if byID[subscribe.subscriptionID] != nil {
            return (.duplicateSubscription, "subscription \(subscribe.subscriptionID) is already open")
        }
        if byID.count >= limits.maxSubscriptions {
            return (.tooManySubscriptions, "a connection may hold \(limits.maxSubscriptions) subscriptions")
        }
        if let readAs = subscribe.readAs, readAs.version == 0 || !isRegistered(readAs) {
            return (.unknownVersion, "no registered schema \(readAs) to read as")
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

    /// Whether `subscription` is the one open under `id`.
    func isOpen(_ subscription: Subscription, id: UInt32) -> Bool {
        byID[id] === subscription
    }

    /// Closes every subscription, returning them.
    mutating func removeAll() -> [Subscription] {
        defer { byID = [:] }
        return Array(byID.values)
    }
}
