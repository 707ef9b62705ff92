import COpenSSL

/// Builds EC P-256 keys and X.509 v3 certificates signed with SHA-256, with OpenSSL.
enum CertificateBuilder {
    /// The certificate that signs a new one, and its key.
    struct Issuer {
        var certificate: OwnedCertificate
        var key: OwnedPrivateKey
    }

    /// A new EC P-256 private key.
    static func makeKey() throws(TLSError) -> OwnedPrivateKey {
        OpenSSLErrorQueue.clear()
        guard let key = tern_EVP_EC_gen("P-256") else {
            throw TLSError.fromErrorQueue(fallback: "cannot generate an EC P-256 key")
        }
        return OwnedPrivateKey(taking: key)
    }

    /// A certificate for `key` named `commonName`, signed by `issuer`, or self-signed when
    /// `issuer` is `nil`. `extensions` pairs OpenSSL extension NIDs with their values in
    /// OpenSSL's configuration syntax (e.g. `NID_basic_constraints`, "critical,CA:TRUE").
    static func makeCertificate(
        commonName: String,
        key: OwnedPrivateKey,
        issuer: Issuer?,
        validity: TLSCertificateValidity,
        extensions: [(nid: Int32, value: String)]
    ) throws(TLSError) -> OwnedCertificate {
        OpenSSLErrorQueue.clear()
        guard let pointer = X509_new() else {
            throw TLSError.fromErrorQueue(fallback: "X509_new failed")
        }
        let certificate = OwnedCertificate(taking: pointer)
        let issuerCertificate = issuer?.certificate.pointer ?? pointer
        let signingKey = issuer?.key.pointer ?? key.pointer

        guard X509_set_version(pointer, Int(X509_VERSION_3)) == 1,
            Self.setRandomSerialNumber(of: pointer),
            ASN1_TIME_set(X509_getm_notBefore(pointer), time_t(validity.notBefore)) != nil,
            ASN1_TIME_set(X509_getm_notAfter(pointer), time_t(validity.notAfter)) != nil,
            X509_set_pubkey(pointer, key.pointer) == 1,
            Self.setSubject(of: pointer, commonName: commonName),
            X509_set_issuer_name(pointer, X509_get_subject_name(issuerCertificate)) == 1
        else {
            throw TLSError.fromErrorQueue(fallback: "cannot fill in the certificate for \(commonName)")
        }

        var v3Context = X509V3_CTX()
        X509V3_set_ctx(&v3Context, issuerCertificate, pointer, nil, nil, 0)
        for (nid, value) in extensions {
            guard let extensionPointer = X509V3_EXT_conf_nid(nil, &v3Context, nid, value) else {
                throw TLSError.fromErrorQueue(fallback: "invalid certificate extension \(value)")
            }
            defer { X509_EXTENSION_free(extensionPointer) }
            guard X509_add_ext(pointer, extensionPointer, -1) == 1 else {
                throw TLSError.fromErrorQueue(fallback: "cannot add certificate extension \(value)")
            }
        }

        guard X509_sign(pointer, signingKey, EVP_sha256()) > 0 else {
            throw TLSError.fromErrorQueue(fallback: "cannot sign the certificate for \(commonName)")
        }
        return certificate
    }

    /// A random positive 127-bit serial number, as RFC 5280 recommends.
    private static func setRandomSerialNumber(of certificate: OpaquePointer) -> Bool {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { return false }
        bytes[0] &= 0x7F
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else { return false }
        defer { BN_free(number) }
        return BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil
    }

    private static func setSubject(of certificate: OpaquePointer, commonName: String) -> Bool {
        guard let name = X509_get_subject_name(certificate) else { return false }
        return X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, "Tern", -1, -1, 0) == 1
            && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1
    }
}
