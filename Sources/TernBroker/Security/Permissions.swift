/// What one user may do: the topics of each operation and a role in the schema registry.
public struct Permissions: Sendable, Hashable {
    /// An operation on topics that a user must be allowed.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        case publish, subscribe, request, respond
    }

    public var publish: TopicPermission
    public var subscribe: TopicPermission
    public var request: TopicPermission
    /// Responder subscriptions: the topics whose requests the user may answer.
    public var respond: TopicPermission
    /// The user's role in the schema registry; `nil`: no registry operation at all.
    public var registry: RegistryRole?

    public init(
        publish: TopicPermission = .nothing, subscribe: TopicPermission = .nothing, request: TopicPermission = .nothing,
        respond: TopicPermission = .nothing, registry: RegistryRole? = nil
    ) {
        self.publish = publish
        self.subscribe = subscribe
        self.request = request
        self.respond = respond
        self.registry = registry
    }

    /// Everything: every topic for every operation, and the registry's administration.
    public static let everything = Permissions(
        publish: .everything, subscribe: .everything, request: .everything, respond: .everything, registry: .admin
    )

    /// The permission of `operation`.
    public subscript(operation: Operation) -> TopicPermission {
        get {
            switch operation {
            case .publish: publish
            case .subscribe: subscribe
            case .request: request
            case .respond: respond
            }
        }
        set {
            switch operation {
            case .publish: publish = newValue
            case .subscribe: subscribe = newValue
            case .request: request = newValue
            case .respond: respond = newValue
            }
        }
    }
}

/// What a user may do in the schema registry; each role may do what the ones before it may.
public enum RegistryRole: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Look schemas up and list them (SCHEMA_GET, SCHEMA_LIST).
    case read
    /// Also register schemas and check candidates (SCHEMA_REGISTER, SCHEMA_CHECK).
    case write
    /// Also set compatibility modes and bind topics to subjects (SCHEMA_SET_MODE, SCHEMA_BIND).
    case admin

    public static func < (lhs: RegistryRole, rhs: RegistryRole) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .read: 0
        case .write: 1
        case .admin: 2
        }
    }
}
