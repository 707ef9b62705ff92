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

    /// Creates the event from its values.
    public init(protocolVersion: String, alpnProtocol: String?, peerSubject: String?, cipher: String? = nil) {
        self.protocolVersion = protocolVersion
        self.alpnProtocol = alpnProtocol
        self.peerSubject = peerSubject
        self.cipher = cipher
    }
}
