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

    /// Writes the certificate (mode 0644) and the private key (mode 0600) to the given paths,
    /// replacing existing files. `certificateFile` gets `chainSuffix` appended, e.g. the
    /// issuing CA's certificate.
    public func write(certificateFile: String, privateKeyFile: String, chainSuffix: String = "") throws(TLSError) {
        try FileIO.writeFile(self.privateKeyPEM, to: privateKeyFile, mode: 0o600)
        try FileIO.writeFile(self.certificatePEM + chainSuffix, to: certificateFile, mode: 0o644)
    }
}
