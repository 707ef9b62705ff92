import Configuration
import TernProtocol

extension BrokerSettings {
    /// The users under `authorization.users.0`, `authorization.users.1`, … up to the first index
    /// without a name (``UserEntry``): each entry's credential and permissions, checked alone
    /// and then together (no two users share a name or a credential).
    static func authorization(in config: ConfigReader) async throws(BrokerSettingError) -> Authorization {
        var users: [User] = []
        while true {
            let entry = ["authorization", "users", "\(users.count)"]
            guard let name = try await text(of: entry + [UserEntry.name], in: config) else { break }
            if let problem = User.problem(withName: name) {
                throw BrokerSettingError(key: entry + [UserEntry.name], problem: .invalidValue(name, expected: problem))
            }
            users.append(User(name: name, credential: try await credential(at: entry, in: config), permissions: try await permissions(at: entry, in: config)))
        }
        do {
            return try Authorization(users: users)
        } catch {
            throw BrokerSettingError(key: ["authorization", "users", "\(error.index)"], problem: .malformed(error.description))
        }
    }

    /// The one credential of the entry at `entry`.
    private static func credential(at entry: [String], in config: ConfigReader) async throws(BrokerSettingError) -> User.Credential {
        var found: [(key: String, text: String)] = []
        for key in UserEntry.credentials {
            if let text = try await text(of: entry + [key], in: config) { found.append((key, text)) }
        }
        guard found.count == 1, let (key, text) = found.first else {
            let problem = found.isEmpty ? "needs one of token-hash, public-key or certificate" : "has more than one of token-hash, public-key and certificate"
            throw BrokerSettingError(key: entry, problem: .malformed(problem))
        }
        do {
            return try UserEntry.credential(text, key: key)
        } catch {
            throw error.within(entry)
        }
    }

    /// The permissions of the entry at `entry`: each operation's lists, and the registry role.
    private static func permissions(at entry: [String], in config: ConfigReader) async throws(BrokerSettingError) -> Permissions {
        var permissions = Permissions()
        for operation in Permissions.Operation.allCases {
            let allow = try await patterns(at: entry + [operation.rawValue, "allow"], in: config)
            let deny = try await patterns(at: entry + [operation.rawValue, "deny"], in: config)
            let permission: TopicPermission
            do {
                permission = try TopicPermission(allow: allow, deny: deny)
            } catch {
                let list = allow.contains(error.pattern) ? "allow" : "deny"
                let index = (list == "allow" ? allow : deny).firstIndex(of: error.pattern) ?? 0
                throw BrokerSettingError(key: entry + [operation.rawValue, list, "\(index)"], problem: .invalidValue(error.pattern, expected: error.reason))
            }
            permissions[operation] = permission
        }
        if let role = try await text(of: entry + [UserEntry.registry], in: config) {
            guard let registry = RegistryRole(rawValue: role) else {
                throw BrokerSettingError(key: entry + [UserEntry.registry], problem: .invalidValue(role, expected: "read, write or admin"))
            }
            permissions.registry = registry
        }
        return permissions
    }

    /// The patterns at `list.0`, `list.1`, … up to the first index without one.
    private static func patterns(at list: [String], in config: ConfigReader) async throws(BrokerSettingError) -> [String] {
        var patterns: [String] = []
        while let pattern = try await text(of: list + ["\(patterns.count)"], in: config) {
            patterns.append(pattern)
        }
        return patterns
    }
}
