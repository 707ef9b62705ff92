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
