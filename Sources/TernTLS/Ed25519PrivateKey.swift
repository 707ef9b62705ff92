import COpenSSL

/// An Ed25519 private key (RFC 8032), with which a client proves who it is. It is kept in a PEM
/// file (an unencrypted PKCS #8 "PRIVATE KEY" block, as `openssl genpkey -algorithm ed25519`
/// writes it) that only its owner may read.
///
/// Its description shows the public key only.
public struct Ed25519PrivateKey: Sendable, CustomStringConvertible {
    /// The key's 32 secret bytes.
    private let seed: [UInt8]
    public let publicKey: Ed25519PublicKey

    /// The key whose 32 secret bytes are `seed`.
    ///
    /// - Throws: ``TLSError/invalidConfiguration(reason:)`` for a seed that is not 32 bytes.
    public init(seed: [UInt8]) throws(TLSError) {
        let key = try Self.key(seed: seed)
        self.seed = seed
        publicKey = try Self.publicKey(of: key.pointer)
    }

    /// A new key from the system's secure random generator.
    public static func generate() throws(TLSError) -> Ed25519PrivateKey {
        try Ed25519PrivateKey(seed: SecureRandom.bytes(Ed25519PublicKey.length))
    }

    /// The key in the PEM file at `path`.
    ///
    /// - Throws: ``TLSError/fileUnreadable(path:reason:)``, or ``TLSError/invalidPEM(path:reason:)``
    ///   when the file holds no private key or one of another kind.
    public init(file path: String) throws(TLSError) {
        let key = try PEM.privateKey(in: TLSFiles.read(path), path: path)
        guard EVP_PKEY_get_base_id(key.pointer) == EVP_PKEY_ED25519 else {
            throw .invalidPEM(path: path, reason: "the private key is not an Ed25519 key")
        }
        var seed = [UInt8](repeating: 0, count: Ed25519PublicKey.length)
        var length = seed.count
        guard EVP_PKEY_get_raw_private_key(key.pointer, &seed, &length) == 1, length == seed.count else {
            throw .invalidPEM(path: path, reason: OpenSSLErrorQueue.drainReasons().first ?? "unreadable Ed25519 key")
        }
        self.seed = seed
        publicKey = try Self.publicKey(of: key.pointer)
    }

    /// Writes the key to `path` as PEM, readable and writable by its owner only (mode 0600),
    /// replacing the file atomically.
    public func write(to path: String) throws(TLSError) {
        let pem = try PEM.string(from: Self.key(seed: seed))
        try TLSFiles.write(pem, to: path, isPrivate: true)
    }

    /// The signature of `message` by this key: 64 bytes, the same for the same message.
    public func signature(of message: [UInt8]) throws(TLSError) -> [UInt8] {
        let key = try Self.key(seed: seed)
        OpenSSLErrorQueue.clear()
        guard let context = EVP_MD_CTX_new() else { throw TLSError.fromErrorQueue(fallback: "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        var signature = [UInt8](repeating: 0, count: Ed25519PublicKey.signatureLength)
        var length = signature.count
        guard EVP_DigestSignInit(context, nil, nil, nil, key.pointer) == 1,
            EVP_DigestSign(context, &signature, &length, message, message.count) == 1, length == signature.count
        else {
            throw TLSError.fromErrorQueue(fallback: "Ed25519 signing failed")
        }
        return signature
    }

    public var description: String {
        "Ed25519PrivateKey(public key: \(publicKey))"
    }

    private static func key(seed: [UInt8]) throws(TLSError) -> OwnedPrivateKey {
        guard seed.count == Ed25519PublicKey.length else {
            throw .invalidConfiguration(reason: "an Ed25519 private key is 32 bytes, not \(seed.count)")
        }
        OpenSSLErrorQueue.clear()
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count) else {
            throw TLSError.fromErrorQueue(fallback: "cannot make an Ed25519 key")
        }
        return OwnedPrivateKey(taking: key)
    }

    private static func publicKey(of key: OpaquePointer) throws(TLSError) -> Ed25519PublicKey {
        var bytes = [UInt8](repeating: 0, count: Ed25519PublicKey.length)
        var length = bytes.count
        guard EVP_PKEY_get_raw_public_key(key, &bytes, &length) == 1, let publicKey = Ed25519PublicKey(rawBytes: bytes) else {
            throw TLSError.fromErrorQueue(fallback: "cannot derive the Ed25519 public key")
        }
        return publicKey
    }
}
