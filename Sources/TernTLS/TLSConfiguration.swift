import NIOCore

/// Everything needed to build a ``TLSContext``: the side of the connection, certificates,
/// trust, peer verification and ALPN.
///
/// TLS 1.2 is the minimum version unless ``minimumVersion`` says 1.3, and TLS 1.3 is preferred. Build one with
/// ``server(certificateChainFile:privateKeyFile:clientAuthentication:clientCAFile:)`` or
/// ``client(serverName:trustRootsFile:certificateChainFile:privateKeyFile:)``, then adjust
/// the properties if needed.
public struct TLSConfiguration: Sendable, Hashable {
    /// Which side of the handshake a configuration is for.
    public enum Role: Sendable, Hashable {
        /// Accepts connections and presents a certificate.
        case server
        /// Opens connections and verifies the server's certificate.
        case client
    }

    /// Whether a server asks clients for a certificate (mutual TLS).
    public enum ClientAuthentication: Sendable, Hashable {
        /// Clients are not asked for a certificate.
        case none
        /// Clients are asked for a certificate; one that is presented must verify against
        /// ``TLSConfiguration/clientCAFile``, but a client may present none.
        case optional
        /// Clients must present a certificate that verifies against
        /// ``TLSConfiguration/clientCAFile``, or the handshake fails.
        case required
        /// Clients are asked for a certificate and the handshake completes whether they present
        /// one and whether it verifies against ``TLSConfiguration/clientCAFile``:
        /// ``TLSHandshakeCompleted/peerCertificateProblem`` says why a certificate did not, for a
        /// server that authenticates clients in its own protocol and answers there.
        case requested
    }

    /// The ALPN protocol identifier of the Tern protocol.
    public static let ternALPN = "tern/1"

    /// The side of the handshake this configuration is for.
    public var role: Role
    /// A PEM file holding this side's certificate, optionally followed by its intermediates.
    /// Required for a server; for a client, the certificate it presents when asked.
    public var certificateChainFile: String?
    /// A PEM file holding the private key of the first certificate in
    /// ``certificateChainFile``.
    public var privateKeyFile: String?
    /// A client's trusted root certificates (PEM); `nil` uses the system's default paths.
    public var trustRootsFile: String?
    /// Whether a server asks clients for a certificate.
    public var clientAuthentication: ClientAuthentication
    /// The CA certificates (PEM) a server verifies client certificates against.
    public var clientCAFile: String?
    /// The host name or IP address a client expects in the server's certificate. A host name
    /// is also sent as SNI. `nil` verifies the chain only, not the name.
    public var serverName: String?
    /// ALPN protocols in preference order: offered by a client, selected from by a server.
    public var applicationProtocols: [String]
    /// How long a handler that sent close_notify waits for the peer's close_notify before it
    /// closes the connection anyway.
    public var shutdownTimeout: TimeAmount
    /// The oldest TLS version the handshake accepts: TLS 1.2 unless set.
    public var minimumVersion: MinimumVersion = .tls12

    /// What protects a TLS 1.3 connection's records after its handshake.
    public var recordLayer: RecordLayer = .tern

    /// What protects a TLS 1.3 connection's records once the handshake is done. The handshake
    /// is always OpenSSL's, and so are TLS 1.2 connections' records.
    public enum RecordLayer: Sendable, Hashable {
        /// TernTLS's own record layer, with the AEAD ciphers of OpenSSL's libcrypto and the
        /// traffic secrets of OpenSSL's handshake: OpenSSL's session is freed after the
        /// handshake, about 12 KB per connection.
        case tern
        /// OpenSSL's session keeps protecting the records for the connection's life.
        case openSSL
    }

    /// The oldest TLS version a configuration accepts.
    public enum MinimumVersion: Sendable, Hashable {
        case tls12
        case tls13
    }

    /// A server configuration.
    ///
    /// - Parameters:
    ///   - certificateChainFile: PEM file: the server certificate, then any intermediates.
    ///   - privateKeyFile: PEM file: the server certificate's private key.
    ///   - clientAuthentication: Whether to ask clients for a certificate.
    ///   - clientCAFile: PEM file of the CAs that client certificates must chain to; needed
    ///     unless `clientAuthentication` is `.none`.
    public static func server(
        certificateChainFile: String,
        privateKeyFile: String,
        clientAuthentication: ClientAuthentication = .none,
        clientCAFile: String? = nil
    ) -> TLSConfiguration {
        TLSConfiguration(
            role: .server,
            certificateChainFile: certificateChainFile,
            privateKeyFile: privateKeyFile,
            trustRootsFile: nil,
            clientAuthentication: clientAuthentication,
            clientCAFile: clientCAFile,
            serverName: nil,
            applicationProtocols: [Self.ternALPN],
            shutdownTimeout: .seconds(5)
        )
    }

    /// A client configuration.
    ///
    /// - Parameters:
    ///   - serverName: The host name or IP address expected in the server's certificate.
    ///   - trustRootsFile: PEM file of the trusted CAs; `nil` uses the system's defaults.
    ///   - certificateChainFile: PEM file of the client certificate, for mutual TLS.
    ///   - privateKeyFile: PEM file of the client certificate's private key.
    public static func client(
        serverName: String?,
        trustRootsFile: String? = nil,
        certificateChainFile: String? = nil,
        privateKeyFile: String? = nil
    ) -> TLSConfiguration {
        TLSConfiguration(
            role: .client,
            certificateChainFile: certificateChainFile,
            privateKeyFile: privateKeyFile,
            trustRootsFile: trustRootsFile,
            clientAuthentication: .none,
            clientCAFile: nil,
            serverName: serverName,
            applicationProtocols: [Self.ternALPN],
            shutdownTimeout: .seconds(5)
        )
    }
}
