import TernTLS

/// Who may connect to a broker and what each may do. Without users the broker is open, as a
/// broker with no configuration is: every client may do everything without credentials. With
/// users, every client must authenticate as one of them and may do only what that user is
/// allowed.
public struct Authorization: Sendable, Hashable {
    /// Two users that cannot both be: the same name or the same credential.
    public struct Conflict: Error, Sendable, Hashable, CustomStringConvertible {
        /// The index of the second user, in the order given.
        public var index: Int
        public var description: String
    }

    public let users: [User]
    private let byName: [String: User]
    private let byPublicKey: [Ed25519PublicKey: User]
    private let byCertificate: [String: User]

    /// No users: the broker is open.
    public static let open = Authorization(checked: [])

    /// - Throws: ``Conflict`` for a user whose name or credential another user has already.
    public init(users: [User]) throws(Conflict) {
        var names: [String: Int] = [:]
        var credentials: [User.Credential: Int] = [:]
        for (index, user) in users.enumerated() {
            if let first = names.updateValue(index, forKey: user.name) {
                throw Conflict(index: index, description: "'\(user.name)' is also the name of users[\(first)]")
            }
            if case .token = user.credential { continue }
            if let first = credentials.updateValue(index, forKey: user.credential) {
                throw Conflict(index: index, description: "users[\(first)] has the same credential")
            }
        }
        self.init(checked: users)
    }

    private init(checked users: [User]) {
        self.users = users
        byName = Dictionary(uniqueKeysWithValues: users.map { ($0.name, $0) })
        var byPublicKey: [Ed25519PublicKey: User] = [:]
        var byCertificate: [String: User] = [:]
        for user in users {
            switch user.credential {
            case .publicKey(let key): byPublicKey[key] = user
            case .certificate(let name): byCertificate[name] = user
            case .token: break
            }
        }
        self.byPublicKey = byPublicKey
        self.byCertificate = byCertificate
    }

    /// Whether clients must authenticate: there are users.
    public var requiresAuthentication: Bool { !users.isEmpty }

    /// The user called `name`.
    public func user(named name: String) -> User? {
        byName[name]
    }

    /// The user whose public key is `key`.
    func user(withPublicKey key: Ed25519PublicKey) -> User? {
        byPublicKey[key]
    }

    /// The user of a certificate with this subject (RFC 2253) and these alternative names: the
    /// whole subject is looked up first, then its common name alone (`CN=ops`), then each
    /// alternative name in the certificate's order.
    func user(withCertificateSubject subject: String, alternativeNames: [String]) -> User? {
        byCertificate[subject] ?? Self.commonName(of: subject).flatMap { byCertificate[$0] }
            ?? alternativeNames.lazy.compactMap { byCertificate[$0] }.first
    }

    /// The `CN=…` attribute of an RFC 2253 subject, as written there; `nil` when it has none.
    static func commonName(of subject: String) -> String? {
        var attributes: [Substring] = []
        var start = subject.startIndex
        var escaped = false
        for index in subject.indices {
            if escaped {
                escaped = false
            } else if subject[index] == "\\" {
                escaped = true
            } else if subject[index] == "," {
                attributes.append(subject[start..<index])
                start = subject.index(after: index)
            }
        }
        attributes.append(subject[start...])
        return attributes.first { $0.hasPrefix("CN=") }.map(String.init)
    }

    /// The users with tokens; only `name`'s when one is given.
    func tokenUsers(named name: String?) -> [User] {
        let candidates = name.map { byName[$0].map { [$0] } ?? [] } ?? users
        return candidates.filter { if case .token = $0.credential { true } else { false } }
    }
}
