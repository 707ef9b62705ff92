import NIOCore
import TernProtocol

/// A request delivered to a responder (see ``TernClient/respond(on:maxConcurrentHandlers:_:)``).
public struct TernRequest: Sendable, Hashable {
    /// The topic the request was sent to.
    public var topic: String
    public var headers: Headers
    /// The payload: a slice of the bytes received, not a copy.
    public var payload: ByteBuffer
    /// The schema version the payload is encoded with, when the requester named one.
    public var schema: SchemaReference?

    public init(topic: String, headers: Headers = [:], payload: ByteBuffer, schema: SchemaReference? = nil) {
        self.topic = topic
        self.headers = headers
        self.payload = payload
        self.schema = schema
    }

    /// The payload decoded as UTF-8, with invalid sequences replaced.
    public var string: String {
        String(buffer: payload)
    }

    /// The payload as an array of bytes.
    public var bytes: [UInt8] {
        Array(payload.readableBytesView)
    }
}
