/// One user's verdicts on the topics a connection uses for one operation, so that each topic is
/// looked up once rather than at every frame. Bounded: when it holds ``capacity`` topics it
/// starts over.
struct TopicVerdicts {
    static let capacity = 4096

    let operation: Permissions.Operation
    let user: String
    private let permission: TopicPermission
    private var verdicts: [String: Bool] = [:]

    init(user: User, operation: Permissions.Operation) {
        self.operation = operation
        self.user = user.name
        permission = user.permissions[operation]
    }

    /// Why the user may not do the operation on `topic`, a valid topic; `nil` when it may.
    mutating func refusal(_ topic: String) -> String? {
        let verdict: Bool
        if let known = verdicts[topic] {
            verdict = known
        } else {
            if verdicts.count >= Self.capacity { verdicts.removeAll(keepingCapacity: true) }
            verdict = permission.permits(topic: topic)
            verdicts[topic] = verdict
        }
        return verdict ? nil : PermissionRefusal.message(operation: operation.rawValue, name: topic, user: user)
    }
}
