import COpenSSL

/// A TLS 1.3 cipher suite whose records ``TLS13RecordLayer`` protects, with the key schedule
/// steps a connection needs after its handshake (RFC 8446, section 7).
enum TLS13CipherSuite: UInt16, Sendable {
    case aes128GCMSHA256 = 0x1301
    case aes256GCMSHA384 = 0x1302
    case chaCha20Poly1305SHA256 = 0x1303

    /// The suite a session negotiated, or `nil` for one this record layer does not implement
    /// (the CCM suites, which OpenSSL does not enable by default).
    init?(negotiatedBy ssl: OpaquePointer) {
        guard let cipher = SSL_get_current_cipher(ssl) else { return nil }
        self.init(rawValue: SSL_CIPHER_get_protocol_id(cipher))
    }

    /// The AEAD algorithm.
    var cipher: OpaquePointer {
        switch self {
        case .aes128GCMSHA256: return EVP_aes_128_gcm()
        case .aes256GCMSHA384: return EVP_aes_256_gcm()
        case .chaCha20Poly1305SHA256: return EVP_chacha20_poly1305()
        }
    }

    /// The hash of the key schedule.
    var digest: OpaquePointer {
        switch self {
        case .aes128GCMSHA256, .chaCha20Poly1305SHA256: return EVP_sha256()
        case .aes256GCMSHA384: return EVP_sha384()
        }
    }

    /// Bytes in a traffic secret: the hash's length.
    var secretLength: Int {
        self == .aes256GCMSHA384 ? 48 : 32
    }

    var keyLength: Int {
        self == .aes128GCMSHA256 ? 16 : 32
    }

    /// Bytes in the per-record nonce, and in the IV it is made from.
    static let nonceLength = 12
    /// Bytes in the authentication tag at the end of every protected record.
    static let tagLength = 16

    /// The record key and IV of a traffic secret (RFC 8446, section 7.3).
    func trafficKeys(from secret: [UInt8]) throws(TLSError) -> (key: [UInt8], iv: [UInt8]) {
        let key = try expandLabel(secret: secret, label: "key", length: keyLength)
        let iv = try expandLabel(secret: secret, label: "iv", length: Self.nonceLength)
        return (key, iv)
    }

    /// The traffic secret that follows `secret` after a KeyUpdate (RFC 8446, section 7.2).
    func nextTrafficSecret(after secret: [UInt8]) throws(TLSError) -> [UInt8] {
        try expandLabel(secret: secret, label: "traffic upd", length: secretLength)
    }

    /// HKDF-Expand-Label with an empty context, for outputs no longer than the hash: one HMAC of
    /// the HkdfLabel structure followed by the counter byte 1.
    func expandLabel(secret: [UInt8], label: String, length: Int) throws(TLSError) -> [UInt8] {
        precondition(length <= secretLength, "a single HKDF-Expand block")
        let fullLabel = Array("tls13 \(label)".utf8)
        let info = [UInt8(length >> 8), UInt8(length & 0xFF), UInt8(fullLabel.count)] + fullLabel + [0, 1]
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outputLength: UInt32 = 0
        let digest = self.digest
        let result = secret.withUnsafeBytes { key in
            HMAC(digest, key.baseAddress, Int32(key.count), info, info.count, &output, &outputLength)
        }
        guard result != nil, Int(outputLength) >= length else {
            throw TLSError.fromErrorQueue(fallback: "HKDF-Expand-Label failed")
        }
        let expanded = Array(output[..<length])
        OPENSSL_cleanse(&output, output.count)
        return expanded
    }
}
