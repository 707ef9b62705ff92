/// The user inbound event a ``TLSHandler`` fires when its handshake has completed.
///
/// Handlers after the TLS handler receive it in `userInboundEventTriggered(context:event:)`.
/// The same values are available on the handler once the handshake is done.
public struct TLSHandshakeCompleted: Sendable, Hashable {
    /// The negotiated protocol version, e.g. "TLSv1.3".
    public var protocolVersion: String
    /// The protocol agreed by ALPN, e.g. ``TLSConfiguration/ternALPN``; `nil` if none was.
    public var alpnProtocol: String?
    /// The subject of the peer's certificate in RFC 2253 form (e.g. "CN=alice,O=Tern"),
    /// or `nil` when the peer presented none.
    public var peerSubject: String?
    /// The negotiated cipher suite, e.g. "TLS_AES_256_GCM_SHA384".
    public var cipher: String?
    /// The subject alternative names of the peer's certificate, with their types
    /// (`DNS:ops.example`, `email:ops@example`, `URI:…`, `IP:10.0.0.7`).
    public var peerAlternativeNames: [String]
    /// Why the peer's certificate did not verify; `nil` when it verified or there is none. Only
    /// a server that lets such handshakes complete
    /// (``TLSConfiguration/ClientAuthentication/requested``) sees one.
    public var peerCertificateProblem: String?
    /// The session's binding, which a ``PublicKeyProof`` signs: both ends derive the same 32
    /// bytes, and no other session has them. `nil` for a TLS 1.2 session without the extended
    /// master secret.
    public var authenticationBinding: [UInt8]?

    /// Creates the event from its values.
    public init(
        protocolVersion: String, alpnProtocol: String?, peerSubject: String?, cipher: String? = nil, peerAlternativeNames: [String] = [],
        peerCertificateProblem: String? = nil, authenticationBinding: [UInt8]? = nil
    ) {
        self.protocolVersion = protocolVersion
        self.alpnProtocol = alpnProtocol
        self.peerSubject = peerSubject
        self.cipher = cipher
        self.peerAlternativeNames = peerAlternativeNames
        self.peerCertificateProblem = peerCertificateProblem
        self.authenticationBinding = authenticationBinding
    }
}
