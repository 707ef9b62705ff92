/// A client's proof that it holds the private key of a public key (PROTOCOL.md section 6.4): its
/// signature of a value that both ends of one TLS session derive from it with the TLS exporter
/// (RFC 5705, RFC 8446 section 7.5), the session's **binding**. No other session has that value,
/// so a proof seen on one connection proves nothing on another.
///
/// In HELLO, the public key's text form is the user and the signature in base64 the secret.
public struct PublicKeyProof: Sendable, Hashable {
    /// The exporter label of the binding.
    public static let exporterLabel = "EXPORTER-tern-authentication"
    /// The bytes of the binding.
    public static let bindingLength = 32
    /// What the signed message starts with, so that the signature means nothing elsewhere.
    public static let messagePrefix = Array("tern/1 authentication".utf8) + [0]

    public var publicKey: Ed25519PublicKey
    /// The 64-byte Ed25519 signature of ``message(binding:)``.
    public var signature: [UInt8]

    /// The message a client signs: ``messagePrefix``, then the binding.
    public static func message(binding: [UInt8]) -> [UInt8] {
        messagePrefix + binding
    }

    /// Signs the binding of a session with `key`.
    public init(signing binding: [UInt8], with key: Ed25519PrivateKey) throws(TLSError) {
        publicKey = key.publicKey
        signature = try key.signature(of: Self.message(binding: binding))
    }

    /// The proof in HELLO's credentials; `nil` when `user` is no public key's text form or
    /// `secret` no signature in base64.
    public init?(user: String, secret: String) {
        guard let publicKey = Ed25519PublicKey(text: user), let signature = Base64Text.decode(secret),
            signature.count == Ed25519PublicKey.signatureLength
        else { return nil }
        self.publicKey = publicKey
        self.signature = signature
    }

    /// HELLO's user: the public key's text form.
    public var user: String { publicKey.description }

    /// HELLO's secret: the signature in base64.
    public var secret: String { Base64Text.encode(signature) }

    /// Whether this is the key's signature of `binding`.
    public func isValid(binding: [UInt8]) -> Bool {
        publicKey.isValidSignature(signature, of: Self.message(binding: binding))
    }
}
