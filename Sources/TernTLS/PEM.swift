import COpenSSL

/// An `X509` certificate owned by Swift: freed when the last reference goes.
final class OwnedCertificate {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_free(self.pointer)
    }

    /// The subject in one-line RFC 2253 form, e.g. "CN=alice,O=Tern".
    var subject: String? {
        guard let name = X509_get_subject_name(self.pointer) else { return nil }
        return MemoryBIO.collect { bio in
            X509_NAME_print_ex(bio, name, 0, TERN_XN_FLAG_RFC2253) >= 0
        }
    }

    /// The subject alternative names with their types: `DNS:ops.example`, `email:ops@example`,
    /// `URI:spiffe://example/ops`, `IP:10.0.0.7`; other types are left out.
    var alternativeNames: [String] {
        guard let names = X509_get_ext_d2i(self.pointer, NID_subject_alt_name, nil, nil) else { return [] }
        let list = OpaquePointer(names)
        defer { GENERAL_NAMES_free(list) }
        var result: [String] = []
        for index in 0..<tern_sk_GENERAL_NAME_num(list) {
            var type: Int32 = 0
            guard let name = tern_sk_GENERAL_NAME_value(list, index), let value = GENERAL_NAME_get0_value(name, &type) else { continue }
            let string = value.assumingMemoryBound(to: ASN1_STRING.self)
            let bytes = UnsafeBufferPointer(start: ASN1_STRING_get0_data(string), count: Int(ASN1_STRING_length(string)))
            switch type {
            case GEN_DNS: result.append("DNS:" + String(decoding: bytes, as: UTF8.self))
            case GEN_EMAIL: result.append("email:" + String(decoding: bytes, as: UTF8.self))
            case GEN_URI: result.append("URI:" + String(decoding: bytes, as: UTF8.self))
            case GEN_IPADD: if let address = Self.ipAddress(bytes) { result.append("IP:" + address) }
            default: break
            }
        }
        return result
    }

    /// An IPv4 or IPv6 address from its 4 or 16 bytes, as OpenSSL prints it.
    private static func ipAddress(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        switch bytes.count {
        case 4:
            return bytes.map { String($0) }.joined(separator: ".")
        case 16:
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16, uppercase: true) }
                .joined(separator: ":")
        default:
            return nil
        }
    }
}

/// An `EVP_PKEY` private key owned by Swift: freed when the last reference goes.
final class OwnedPrivateKey {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(self.pointer)
    }
}

/// Parsing and printing PEM with OpenSSL, from and to memory.
enum PEM {
    /// Every certificate in `bytes`, in order; `path` only names the source in errors.
    static func certificates(in bytes: [UInt8], path: String) throws(TLSError) -> [OwnedCertificate] {
        OpenSSLErrorQueue.clear()
        var certificates: [OwnedCertificate] = []
        try MemoryBIO.reading(bytes, path: path) { bio in
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(OwnedCertificate(taking: certificate))
            }
        }
        // The loop always ends on a failed read: "no start line" after the last certificate
        // is the normal end; anything else means the file is damaged.
        let reasons = OpenSSLErrorQueue.drain().filter {
            !($0.library == ERR_LIB_PEM && $0.reasonCode == PEM_R_NO_START_LINE)
        }
        if let problem = reasons.first {
            throw .invalidPEM(path: path, reason: problem.reason)
        }
        guard !certificates.isEmpty else {
            throw .invalidPEM(path: path, reason: "no certificate found")
        }
        return certificates
    }

    /// The first private key in `bytes`; `path` only names the source in errors.
    /// An encrypted key fails rather than prompting on the terminal.
    static func privateKey(in bytes: [UInt8], path: String) throws(TLSError) -> OwnedPrivateKey {
        OpenSSLErrorQueue.clear()
        let key = try MemoryBIO.reading(bytes, path: path) { bio in
            PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else {
            let reason = OpenSSLErrorQueue.drainReasons().first ?? "no private key found"
            throw .invalidPEM(path: path, reason: reason)
        }
        return OwnedPrivateKey(taking: key)
    }

    /// `certificate` as a PEM "CERTIFICATE" block.
    static func string(from certificate: OwnedCertificate) throws(TLSError) -> String {
        try self.printed("certificate") { PEM_write_bio_X509($0, certificate.pointer) == 1 }
    }

    /// `key` as an unencrypted PKCS #8 "PRIVATE KEY" block.
    static func string(from key: OwnedPrivateKey) throws(TLSError) -> String {
        try self.printed("private key") {
            PEM_write_bio_PrivateKey($0, key.pointer, nil, nil, 0, nil, nil) == 1
        }
    }

    private static func printed(_ what: String, _ body: (OpaquePointer) -> Bool) throws(TLSError) -> String {
        OpenSSLErrorQueue.clear()
        guard let text = MemoryBIO.collect(body) else {
            throw TLSError.fromErrorQueue(fallback: "cannot encode \(what) as PEM")
        }
        return text
    }
}

/// Scoped OpenSSL memory BIOs.
enum MemoryBIO {
    /// Runs `body` with a read-only BIO over `bytes`.
    static func reading<Result>(
        _ bytes: [UInt8],
        path: String,
        _ body: (OpaquePointer) -> Result
    ) throws(TLSError) -> Result {
        let outcome: Result? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(clamping: raw.count)) else {
                return nil
            }
            defer { BIO_free(bio) }
            return body(bio)
        }
        guard let outcome else {
            throw .invalidPEM(path: path, reason: "cannot allocate a memory BIO")
        }
        return outcome
    }

    /// Runs `body` with an empty writable BIO and returns what it wrote as text, or `nil`
    /// when `body` reports failure.
    static func collect(_ body: (OpaquePointer) -> Bool) -> String? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard body(bio) else { return nil }
        var data: UnsafeMutablePointer<CChar>? = nil
        let count = tern_BIO_get_mem_data(bio, &data)
        guard let data, count > 0 else { return "" }
        return data.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
    }
}
