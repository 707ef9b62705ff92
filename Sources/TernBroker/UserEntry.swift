import TernProtocol
import TernTLS

/// The keys of a user's entry in a settings file's `authorization.users` and the values each
/// takes, for the file's checks (``BrokerSettingsFile``) and for reading the users
/// (``BrokerSettings/init(config:)``):
///
/// ```json
/// { "name": "orders-svc", "token-hash": "$scrypt$ln=14,r=8,p=1$…$…",
///   "publish": { "allow": ["orders.>"] }, "subscribe": { "allow": ["billing.*"], "deny": ["billing.secret"] },
///   "request": { "allow": ["pricing.>"] }, "respond": { "allow": ["orders.quote"] }, "registry": "read" }
/// ```
///
/// An entry has a name and exactly one credential (`token-hash`, `public-key` or
/// `certificate`); each operation (`publish`, `subscribe`, `request`, `respond`) takes `allow`
/// and `deny` lists of patterns, a missing list allowing nothing; `registry` is `read`, `write`
/// or `admin`, and no registry operation is allowed without it.
enum UserEntry {
    static let name = "name"
    static let credentials = ["token-hash", "public-key", "certificate"]
    static let registry = "registry"
    static let operations = Permissions.Operation.allCases.map(\.rawValue)
    static let lists = ["allow", "deny"]

    /// The keys that hold one string.
    static let textKeys = [name, registry] + credentials

    /// Why `text` is not a value of `key`, one of ``textKeys``, or `nil` when it is.
    static func problem(with text: String, key: String) -> String? {
        switch key {
        case name: User.problem(withName: text)
        case registry: RegistryRole(rawValue: text) == nil ? "read, write or admin" : nil
        default: credentialProblem(text, key: key)
        }
    }

    /// The credential `text` of `key`, one of ``credentials``.
    static func credential(_ text: String, key: String) throws(BrokerSettingError) -> User.Credential {
        switch key {
        case "token-hash":
            do {
                return .token(try TokenHash(text: text))
            } catch {
                throw BrokerSettingError(key: [key], problem: .invalidValue(text, expected: "a hash from tern auth hash: \(error)"))
            }
        case "public-key":
            guard let key = Ed25519PublicKey(text: text) else {
                throw BrokerSettingError(key: [key], problem: .invalidValue(text, expected: "ed25519: and 32 bytes in base64, from tern auth keygen"))
            }
            return .publicKey(key)
        default:
            guard !text.isEmpty else {
                throw BrokerSettingError(key: [key], problem: .invalidValue(text, expected: "a certificate's subject (CN=ops,O=Example) or alternative name (DNS:ops.example)"))
            }
            return .certificate(text)
        }
    }

    private static func credentialProblem(_ text: String, key: String) -> String? {
        do {
            _ = try credential(text, key: key)
            return nil
        } catch {
            if case .invalidValue(_, let expected) = error.problem { return expected }
            return "\(error)"
        }
    }
}
