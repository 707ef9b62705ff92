import TernProtocol

/// What the user of one connection may do, checked as its frames arrive. The state machine has
/// none on a broker without users, where everything is allowed.
struct ConnectionAuthorization {
    let user: User
    private var requestTopics: TopicVerdicts

    init(user: User) {
        self.user = user
        requestTopics = TopicVerdicts(user: user, operation: .request)
    }

    /// The topics the user may publish to, for the connection's ``PublishIntake``.
    var publishTopics: TopicVerdicts { TopicVerdicts(user: user, operation: .publish) }

    /// Why the user may not open a subscription (`responder`: a responder) on `pattern`, a valid
    /// pattern; `nil` when it may.
    func refusal(subscribingTo pattern: String, responder: Bool) -> String? {
        let operation: Permissions.Operation = responder ? .respond : .subscribe
        guard !user.permissions[operation].permits(pattern: pattern) else { return nil }
        return PermissionRefusal.message(operation: operation.rawValue, name: pattern, user: user.name)
    }

    /// Why the user may not send a request to `topic`, a valid topic; `nil` when it may.
    mutating func refusal(requesting topic: String) -> String? {
        requestTopics.refusal(topic)
    }

    /// The REGISTRY_RESULT refusing a registry operation the user's role does not allow; `nil`
    /// when it does.
    func refusal(administering frame: Frame) -> Frame.RegistryResult? {
        guard let (role, operationID, name) = Self.requirement(of: frame), user.permissions.registry.map({ $0 < role }) ?? true else {
            return nil
        }
        let held = user.permissions.registry.map { "the role \($0.rawValue)" } ?? "no registry role"
        let message = PermissionRefusal.message(operation: PermissionRefusal.operation(needing: role), name: name, user: user.name) + " (\(held))"
        return Frame.RegistryResult(operationID: operationID, code: .permissionDenied, message: message)
    }

    /// The role a registry frame needs, its operation id and the subject (or topic) it concerns.
    private static func requirement(of frame: Frame) -> (RegistryRole, UInt64, String)? {
        switch frame {
        case .getSchema(let get): (.read, get.operationID, get.subject)
        case .listSchemas(let list): (.read, list.operationID, list.subject)
        case .registerSchema(let register): (.write, register.operationID, register.subject)
        case .checkSchema(let check): (.write, check.operationID, check.subject)
        case .setCompatibility(let set): (.admin, set.operationID, set.subject)
        case .bindTopic(let bind): (.admin, bind.operationID, bind.topic)
        default: nil
        }
    }
}
