import COpenSSL
import NIOCore

/// A private certificate authority that issues server and client certificates, for a first
/// start without certificates of one's own and for tests.
///
/// Keys are EC P-256 and signatures SHA-256.
///
/// ```swift
/// let files = try TLSCertificateAuthority.generateServerFiles(in: "/etc/tern/tls")
/// let context = try TLSContext(configuration: .server(
///     certificateChainFile: files.certificateChainFile, privateKeyFile: files.privateKeyFile))
/// ```
public struct TLSCertificateAuthority: Sendable, Hashable {
    /// The CA's self-signed certificate and its private key.
    public var credential: TLSCredential

    /// Creates a new CA with a fresh key and a self-signed certificate.
    ///
    /// - Parameters:
    ///   - commonName: The CA's name (subject CN).
    ///   - validity: When the CA certificate is valid.
    public static func generate(
        commonName: String = "Tern Private CA",
        validity: TLSCertificateValidity = .days(3650)
    ) throws(TLSError) -> TLSCertificateAuthority {
        let key = try CertificateBuilder.makeKey()
        let certificate = try CertificateBuilder.makeCertificate(
            commonName: commonName,
            key: key,
            issuer: nil,
            validity: validity,
            extensions: [
                (NID_basic_constraints, "critical,CA:TRUE"),
                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                (NID_subject_key_identifier, "hash"),
            ]
        )
        return try TLSCertificateAuthority(
            credential: TLSCredential(certificatePEM: PEM.string(from: certificate), privateKeyPEM: PEM.string(from: key))
        )
    }

    /// A CA from an existing certificate and key, checking that the PEM parses.
    public init(credential: TLSCredential) throws(TLSError) {
        _ = try Self.issuer(from: credential)
        self.credential = credential
    }

    /// A CA loaded from a certificate file and a private key file (PEM).
    public init(certificateFile: String, privateKeyFile: String) throws(TLSError) {
        let certificate = try PEM.certificates(in: TLSFiles.read(certificateFile), path: certificateFile)[0]
        let key = try PEM.privateKey(in: TLSFiles.read(privateKeyFile), path: privateKeyFile)
        OpenSSLErrorQueue.clear()
        guard X509_check_private_key(certificate.pointer, key.pointer) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .keyMismatch(certificatePath: certificateFile, keyPath: privateKeyFile)
        }
        self.credential = try TLSCredential(certificatePEM: PEM.string(from: certificate), privateKeyPEM: PEM.string(from: key))
    }

    /// Issues a server certificate (extended key usage serverAuth) for the given names.
    ///
    /// - Parameters:
    ///   - commonName: The subject CN.
    ///   - dnsNames: Host names for the subjectAltName extension.
    ///   - ipAddresses: IPv4 or IPv6 addresses for the subjectAltName extension.
    ///   - validity: When the certificate is valid; a period in the past makes an expired one.
    public func issueServerCertificate(
        commonName: String = "localhost",
        dnsNames: [String] = ["localhost"],
        ipAddresses: [String] = ["127.0.0.1", "::1"],
        validity: TLSCertificateValidity = .days(825)
    ) throws(TLSError) -> TLSCredential {
        try issueNamedCertificate(commonName: commonName, dnsNames: dnsNames, ipAddresses: ipAddresses, validity: validity, extendedKeyUsage: "serverAuth")
    }

    /// Issues a certificate for a peer that both accepts and opens mutual-TLS connections with
    /// it (extended key usages serverAuth and clientAuth), such as a cluster node on its routes.
    ///
    /// - Parameters: as ``issueServerCertificate(commonName:dnsNames:ipAddresses:validity:)``.
    public func issuePeerCertificate(
        commonName: String,
        dnsNames: [String] = ["localhost"],
        ipAddresses: [String] = ["127.0.0.1", "::1"],
        validity: TLSCertificateValidity = .days(825)
    ) throws(TLSError) -> TLSCredential {
        try issueNamedCertificate(
            commonName: commonName, dnsNames: dnsNames, ipAddresses: ipAddresses, validity: validity, extendedKeyUsage: "serverAuth,clientAuth"
        )
    }

    private func issueNamedCertificate(
        commonName: String, dnsNames: [String], ipAddresses: [String], validity: TLSCertificateValidity, extendedKeyUsage: String
    ) throws(TLSError) -> TLSCredential {
        var alternativeNames: [String] = []
        for name in dnsNames {
            guard !name.isEmpty, name.utf8.allSatisfy({ Self.dnsNameCharacters.contains($0) }) else {
                throw .invalidConfiguration(reason: "invalid DNS name for a certificate: \"\(name)\"")
            }
            alternativeNames.append("DNS:\(name)")
        }
        for address in ipAddresses {
            guard (try? SocketAddress(ipAddress: address, port: 0)) != nil else {
                throw .invalidConfiguration(reason: "invalid IP address for a certificate: \"\(address)\"")
            }
            alternativeNames.append("IP:\(address)")
        }
        var extensions: [(nid: Int32, value: String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, extendedKeyUsage),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid"),
        ]
        if !alternativeNames.isEmpty {
            extensions.append((NID_subject_alt_name, alternativeNames.joined(separator: ",")))
        }
        return try self.issue(commonName: commonName, validity: validity, extensions: extensions)
    }

    /// Issues a client certificate (extended key usage clientAuth) for mutual TLS; the
    /// server sees `commonName` in the peer subject, and `alternativeNames` (each with its type,
    /// as OpenSSL writes them: `DNS:ops.example`, `email:ops@example`, `URI:spiffe://example/ops`)
    /// in the subject alternative names.
    public func issueClientCertificate(
        commonName: String,
        alternativeNames: [String] = [],
        validity: TLSCertificateValidity = .days(825)
    ) throws(TLSError) -> TLSCredential {
        var extensions: [(nid: Int32, value: String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "clientAuth"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid"),
        ]
        if !alternativeNames.isEmpty {
            guard alternativeNames.allSatisfy({ !$0.contains(",") }) else {
                throw .invalidConfiguration(reason: "a subject alternative name cannot contain a comma")
            }
            extensions.append((NID_subject_alt_name, alternativeNames.joined(separator: ",")))
        }
        return try self.issue(commonName: commonName, validity: validity, extensions: extensions)
    }

    /// Generates a new CA and a server certificate signed by it, and writes them into
    /// `directory` (created if missing): `ca.pem`, `ca.key`, `server.pem` and `server.key`,
    /// keys with mode 0600. Each file is replaced atomically and `server.pem` comes last, so
    /// when it exists the other three do too.
    ///
    /// - Parameters:
    ///   - directory: Where to write the files.
    ///   - dnsNames: Host names the server certificate is valid for.
    ///   - ipAddresses: IP addresses the server certificate is valid for.
    ///   - includeCAInChain: Whether `server.pem` also holds the CA certificate after the
    ///     server's (clients trust the CA either way).
    /// - Returns: The paths of the files written.
    @discardableResult
    public static func generateServerFiles(
        in directory: String,
        dnsNames: [String] = ["localhost"],
        ipAddresses: [String] = ["127.0.0.1", "::1"],
        includeCAInChain: Bool = false
    ) throws(TLSError) -> TLSServerFiles {
        try TLSFiles.createDirectory(directory)
        let files = TLSServerFiles(directory: directory)
        let authority = try TLSCertificateAuthority.generate()
        let server = try authority.issueServerCertificate(dnsNames: dnsNames, ipAddresses: ipAddresses)
        try authority.credential.write(certificateFile: files.caCertificateFile, privateKeyFile: files.caPrivateKeyFile)
        try server.write(
            certificateFile: files.certificateChainFile,
            privateKeyFile: files.privateKeyFile,
            chainSuffix: includeCAInChain ? authority.credential.certificatePEM : ""
        )
        return files
    }

    // MARK: Internals

    private static let dnsNameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.*".utf8)

    private func issue(
        commonName: String,
        validity: TLSCertificateValidity,
        extensions: [(nid: Int32, value: String)]
    ) throws(TLSError) -> TLSCredential {
        let issuer = try Self.issuer(from: self.credential)
        let key = try CertificateBuilder.makeKey()
        let certificate = try CertificateBuilder.makeCertificate(
            commonName: commonName,
            key: key,
            issuer: issuer,
            validity: validity,
            extensions: extensions
        )
        return try TLSCredential(certificatePEM: PEM.string(from: certificate), privateKeyPEM: PEM.string(from: key))
    }

    private static func issuer(from credential: TLSCredential) throws(TLSError) -> CertificateBuilder.Issuer {
        let certificate = try PEM.certificates(in: Array(credential.certificatePEM.utf8), path: "<CA certificate>")[0]
        let key = try PEM.privateKey(in: Array(credential.privateKeyPEM.utf8), path: "<CA private key>")
        return CertificateBuilder.Issuer(certificate: certificate, key: key)
    }
}

/// The paths written by ``TLSCertificateAuthority/generateServerFiles(in:dnsNames:ipAddresses:includeCAInChain:)``.
public struct TLSServerFiles: Sendable, Hashable {
    /// The directory holding the files.
    public var directory: String
    /// `ca.pem`: the CA certificate, for clients to trust.
    public var caCertificateFile: String { self.directory + "/ca.pem" }
    /// `ca.key`: the CA's private key (mode 0600), to issue more certificates.
    public var caPrivateKeyFile: String { self.directory + "/ca.key" }
    /// `server.pem`: the server certificate (and the CA's, if asked).
    public var certificateChainFile: String { self.directory + "/server.pem" }
    /// `server.key`: the server's private key (mode 0600).
    public var privateKeyFile: String { self.directory + "/server.key" }

    /// The standard file names in `directory`.
    public init(directory: String) {
        self.directory = directory
    }
}
