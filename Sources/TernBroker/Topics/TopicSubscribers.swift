/// The subscriptions a topic hands its messages to: those on their own, each of which gets
/// every message, and the queue groups, each of which gets every message once, through one of
/// its members.
struct TopicSubscribers<Subscriber: AnyObject> {
    struct Group {
        var name: String
        var members: [Subscriber]
    }

    var individuals: [Subscriber] = []
    var groups: [Group] = []

    var isEmpty: Bool { individuals.isEmpty && groups.isEmpty }

    /// Adds `subscriber`, to its queue group when it has one.
    mutating func add(_ subscriber: Subscriber, group: String?) {
        guard let group else {
            individuals.append(subscriber)
            return
        }
        if let index = groups.firstIndex(where: { $0.name == group }) {
            groups[index].members.append(subscriber)
        } else {
            groups.append(Group(name: group, members: [subscriber]))
        }
    }
}
