import COpenSSL

/// An Ed25519 public key (RFC 8032): what a broker keeps for a user who authenticates with a
/// key pair. Its text form is `ed25519:` followed by the key's 32 bytes in base64, as
/// `tern auth keygen` prints it.
public struct Ed25519PublicKey: Sendable, Hashable, CustomStringConvertible {
    /// What the text form starts with.
    public static let textPrefix = "ed25519:"
    static let length = 32
    static let signatureLength = 64

    /// The key's 32 bytes.
    public let rawBytes: [UInt8]

    /// The key with these 32 bytes; `nil` for another length.
    public init?(rawBytes: [UInt8]) {
        guard rawBytes.count == Self.length else { return nil }
        self.rawBytes = rawBytes
    }

    /// The key written as `ed25519:` and base64; `nil` for anything else.
    public init?(text: String) {
        guard text.hasPrefix(Self.textPrefix), let bytes = Base64Text.decode(String(text.dropFirst(Self.textPrefix.count))) else { return nil }
        self.init(rawBytes: bytes)
    }

    /// The text form: `ed25519:` and base64.
    public var description: String {
        Self.textPrefix + Base64Text.encode(rawBytes)
    }

    /// Whether `signature` is this key's signature of `message`.
    public func isValidSignature(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard signature.count == Self.signatureLength else { return false }
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, rawBytes, rawBytes.count) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        // Ed25519 hashes the message itself: no digest is named.
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
    }
}
