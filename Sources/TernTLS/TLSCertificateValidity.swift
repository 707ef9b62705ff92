#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// When a generated certificate is valid: from `notBefore` to `notAfter`, both in seconds
/// since the Unix epoch (UTC).
public struct TLSCertificateValidity: Sendable, Hashable {
    /// The first second the certificate is valid.
    public var notBefore: Int64
    /// The last second the certificate is valid.
    public var notAfter: Int64

    /// A validity period with explicit bounds. Both in the past makes an expired certificate.
    public init(notBefore: Int64, notAfter: Int64) {
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Valid from one hour ago (to tolerate clock skew between machines) until `days` days
    /// from now.
    public static func days(_ days: Int) -> TLSCertificateValidity {
        let now = Int64(time(nil))
        return TLSCertificateValidity(notBefore: now - 3600, notAfter: now + Int64(days) * 86_400)
    }
}
