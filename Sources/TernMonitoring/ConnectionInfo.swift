#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One client connection, as `/connections` lists it.
public struct ConnectionInfo: Codable, Sendable, Hashable {
    /// The broker's id of the connection, as in its log lines (`connection=12`).
    public var id: UInt64
    /// The client's address and port.
    public var peer: String
    /// The name the client gave in its HELLO; `nil` before its handshake.
    public var clientName: String?
    /// The user the client authenticated as; `nil` without authentication.
    public var user: String?
    /// The negotiated TLS version (`TLSv1.3`); `nil` for a plaintext connection or before the handshake.
    public var tlsVersion: String?
    /// The negotiated TLS cipher suite (`TLS_AES_256_GCM_SHA384`).
    public var tlsCipher: String?
    /// The subject of the client's certificate, under mutual TLS.
    public var clientCertificate: String?
    /// Open subscriptions, responders included.
    public var subscriptions: Int
    /// Bytes waiting to be written to the connection: in its subscriptions' queues and in its
    /// socket's write buffer.
    public var pendingBytes: Int
    /// PUBLISH frames taken from the connection.
    public var messagesIn: UInt64
    /// MESSAGE frames written to the connection.
    public var messagesOut: UInt64
    /// Protocol bytes read from the connection (after TLS).
    public var bytesIn: UInt64
    /// Protocol bytes of messages written to the connection (after TLS).
    public var bytesOut: UInt64
    /// Messages in and out per second, over the last second or more the listener measured it
    /// (0 the first time it sees the connection).
    public var messagesPerSecond: Double
    /// Bytes in and out per second, measured like ``messagesPerSecond``.
    public var bytesPerSecond: Double
    public var connectedSince: Date
    /// When the connection last read or wrote anything.
    public var lastActivity: Date

    public init(
        id: UInt64, peer: String, clientName: String?, user: String?, tlsVersion: String?, tlsCipher: String?, clientCertificate: String?,
        subscriptions: Int, pendingBytes: Int, messagesIn: UInt64, messagesOut: UInt64, bytesIn: UInt64, bytesOut: UInt64,
        messagesPerSecond: Double, bytesPerSecond: Double, connectedSince: Date, lastActivity: Date
    ) {
        self.id = id
        self.peer = peer
        self.clientName = clientName
        self.user = user
        self.tlsVersion = tlsVersion
        self.tlsCipher = tlsCipher
        self.clientCertificate = clientCertificate
        self.subscriptions = subscriptions
        self.pendingBytes = pendingBytes
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.messagesPerSecond = messagesPerSecond
        self.bytesPerSecond = bytesPerSecond
        self.connectedSince = connectedSince
        self.lastActivity = lastActivity
    }
}
