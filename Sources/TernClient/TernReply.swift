import NIOCore
import TernProtocol

/// A responder's answer to a ``TernRequest``.
public struct TernReply: Sendable, Hashable {
    public var headers: Headers
    public var payload: ByteBuffer

    /// A reply carrying `payload`.
    public init(_ payload: ByteBuffer, headers: Headers = [:]) {
        self.headers = headers
        self.payload = payload
    }

    /// A reply carrying the UTF-8 bytes of `payload`.
    public init(_ payload: String, headers: Headers = [:]) {
        self.init(ByteBuffer(string: payload), headers: headers)
    }

    /// A reply carrying the bytes of `payload`.
    public init(_ payload: some Sequence<UInt8>, headers: Headers = [:]) {
        self.init(ByteBuffer(bytes: payload), headers: headers)
    }
}
