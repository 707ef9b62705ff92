import TernTLS

/// A user of the broker: a name, the one credential with which it authenticates, and what it
/// may do.
public struct User: Sendable, Hashable {
    /// How a user proves who it is (PROTOCOL.md section 6.4). The broker keeps no secret: a
    /// token's salted hash, a public key, a certificate's name.
    public enum Credential: Sendable, Hashable {
        /// A token, given in HELLO.
        case token(TokenHash)
        /// An Ed25519 key pair, whose private key signs the TLS session's binding.
        case publicKey(Ed25519PublicKey)
        /// A client certificate that verifies against the broker's client CA and whose subject
        /// (RFC 2253: `CN=ops,O=Example`), its common name alone (`CN=ops`), or one of whose
        /// alternative names (`DNS:ops.example`, `email:ops@example`, `URI:…`, `IP:…`) is this
        /// text.
        case certificate(String)
    }

    /// 1 to 255 bytes of visible ASCII except `:`; shown in logs and refusals.
    public var name: String
    public var credential: Credential
    public var permissions: Permissions

    public init(name: String, credential: Credential, permissions: Permissions) {
        self.name = name
        self.credential = credential
        self.permissions = permissions
    }

    /// Why `name` cannot be a user's name, or `nil` when it can.
    public static func problem(withName name: String) -> String? {
        let bytes = name.utf8
        guard (1...255).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ":") }) else {
            return "a user name is 1 to 255 bytes of visible ASCII without ':'"
        }
        return nil
    }
}
