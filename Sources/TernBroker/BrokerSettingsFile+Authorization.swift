import TernProtocol
import TernSchema

extension BrokerSettingsFile {
    /// Reads `authorization`: an object whose one key, `users`, holds an array of user entries
    /// (``UserEntry``), each checked key by key, as `authorization.users.N.KEY` and
    /// `authorization.users.N.OPERATION.allow.M`.
    static func readAuthorization(_ value: JSONValue, into values: inout [String: String]) throws(BrokerSettingError) {
        let path = ["authorization"]
        let members = try object(value, at: path)
        for (key, member) in members {
            guard key == "users" else { throw BrokerSettingError(key: path, problem: .malformed("unknown key '\(key)'")) }
            guard case .array(let entries) = member else {
                throw BrokerSettingError(key: path + [key], problem: .malformed("expected an array of objects, not \(describe(member))"))
            }
            for (index, entry) in entries.enumerated() {
                try readUser(entry, at: path + [key, "\(index)"], into: &values)
            }
        }
    }

    /// Reads one user's entry at `path`: a name, one credential, permissions.
    private static func readUser(_ value: JSONValue, at path: [String], into values: inout [String: String]) throws(BrokerSettingError) {
        let members = try object(value, at: path)
        guard members.contains(where: { $0.key == UserEntry.name }) else {
            throw BrokerSettingError(key: path, problem: .malformed("missing key 'name'"))
        }
        let credentials = members.filter { UserEntry.credentials.contains($0.key) }.map(\.key)
        guard credentials.count == 1 else {
            let problem = credentials.isEmpty ? "needs one of token-hash, public-key or certificate" : "has both \(credentials[0]) and \(credentials[1]); a user has one credential"
            throw BrokerSettingError(key: path, problem: .malformed(problem))
        }
        for (key, member) in members {
            if UserEntry.operations.contains(key) {
                try readLists(member, at: path + [key], into: &values)
                continue
            }
            guard UserEntry.textKeys.contains(key) else { throw BrokerSettingError(key: path, problem: .malformed("unknown key '\(key)'")) }
            guard case .string(let text) = member else {
                throw BrokerSettingError(key: path + [key], problem: .malformed("expected a string, not \(describe(member))"))
            }
            if let problem = UserEntry.problem(with: text, key: key) {
                throw BrokerSettingError(key: path + [key], problem: .malformed("invalid value '\(text)' (\(problem))"))
            }
            values[(path + [key]).joined(separator: ".")] = text
        }
    }

    /// Reads an operation's `allow` and `deny` lists of patterns at `path`.
    private static func readLists(_ value: JSONValue, at path: [String], into values: inout [String: String]) throws(BrokerSettingError) {
        for (list, member) in try object(value, at: path) {
            guard UserEntry.lists.contains(list) else { throw BrokerSettingError(key: path, problem: .malformed("unknown key '\(list)'")) }
            guard case .array(let patterns) = member else {
                throw BrokerSettingError(key: path + [list], problem: .malformed("expected an array of patterns, not \(describe(member))"))
            }
            for (index, pattern) in patterns.enumerated() {
                let key = path + [list, "\(index)"]
                let text = try self.text(of: pattern, for: .pattern, at: key)
                if let problem = TopicSyntax.problem(withPattern: text) {
                    throw BrokerSettingError(key: key, problem: .malformed("invalid value '\(text)' (\(problem))"))
                }
                values[key.joined(separator: ".")] = text
            }
        }
    }

    /// The members of `value`, an object without duplicate keys.
    private static func object(_ value: JSONValue, at path: [String]) throws(BrokerSettingError) -> [(key: String, value: JSONValue)] {
        guard case .object(let members) = value else {
            throw BrokerSettingError(key: path, problem: .malformed("expected an object, not \(describe(value))"))
        }
        var seen: Set<String> = []
        for (key, _) in members where !seen.insert(key).inserted {
            throw BrokerSettingError(key: path, problem: .malformed("duplicate key '\(key)'"))
        }
        return members
    }
}
