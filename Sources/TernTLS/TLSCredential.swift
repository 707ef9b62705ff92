/// A certificate and its private key, both PEM-encoded.
public struct TLSCredential: Sendable, Hashable {
    /// The certificate, as a PEM "CERTIFICATE" block.
    public var certificatePEM: String
    /// The private key, as an unencrypted PKCS #8 PEM "PRIVATE KEY" block.
    public var privateKeyPEM: String

    /// A credential from PEM text.
    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Writes the private key (mode 0600), then the certificate (mode 0644) to the given paths,
    /// each replacing its file atomically and durably: a crash or a full disk leaves a file
    /// whole or as it was, and an existing certificate file means its key was written first.
    /// `certificateFile` gets `chainSuffix` appended, e.g. the issuing CA's certificate.
    public func write(certificateFile: String, privateKeyFile: String, chainSuffix: String = "") throws(TLSError) {
        try TLSFiles.write(self.privateKeyPEM, to: privateKeyFile, isPrivate: true)
        try TLSFiles.write(self.certificatePEM + chainSuffix, to: certificateFile, isPrivate: false)
    }
}
