/// An error raised by TernTLS: while loading certificates, during a handshake, or on an
/// established TLS connection.
public enum TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file at `path` could not be read (missing, a directory, or no permission).
    case fileUnreadable(path: String, reason: String)
    /// The file at `path` was read but holds no valid PEM object of the expected kind.
    case invalidPEM(path: String, reason: String)
    /// The private key in `keyPath` does not belong to the certificate in `certificatePath`.
    case keyMismatch(certificatePath: String, keyPath: String)
    /// The configuration cannot work as given; `reason` says why.
    case invalidConfiguration(reason: String)
    /// The TLS handshake failed; `reason` is OpenSSL's explanation (for example
    /// "tlsv1 alert unknown ca" or "no shared cipher").
    case handshakeFailed(reason: String)
    /// The peer's certificate was rejected; `reason` is OpenSSL's verification error (for
    /// example "certificate has expired" or "hostname mismatch").
    case certificateVerificationFailed(reason: String)
    /// A certificate was required from the client but it presented none. A server reports
    /// it during the handshake; a TLS 1.3 client learns it from the server's alert just after.
    case certificateRequired
    /// The peer closed the TCP connection without sending a TLS close_notify first: data may
    /// have been truncated.
    case uncleanShutdown
    /// Any other failure reported by OpenSSL, with the reason text of its error queue.
    case openSSL(reasons: [String])
    /// After a TLS 1.3 handshake, a record the peer sent could not be accepted (it did not
    /// authenticate, was too long or of a type not allowed then), or the peer ended the session
    /// with an alert; `reason` says which.
    case recordRejected(reason: String)

    public var description: String {
        switch self {
        case .fileUnreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .invalidPEM(let path, let reason):
            return "invalid PEM in \(path): \(reason)"
        case .keyMismatch(let certificatePath, let keyPath):
            return "the private key in \(keyPath) does not match the certificate in \(certificatePath)"
        case .invalidConfiguration(let reason):
            return "invalid TLS configuration: \(reason)"
        case .handshakeFailed(let reason):
            return "TLS handshake failed: \(reason)"
        case .certificateVerificationFailed(let reason):
            return "certificate verification failed: \(reason)"
        case .certificateRequired:
            return "a client certificate is required but none was presented"
        case .uncleanShutdown:
            return "the peer closed the connection without a TLS close_notify (unclean shutdown)"
        case .openSSL(let reasons):
            return "OpenSSL error: \(reasons.isEmpty ? "unknown" : reasons.joined(separator: "; "))"
        case .recordRejected(let reason):
            return "TLS record rejected: \(reason)"
        }
    }
}
