import NIOCore
import TernProtocol
import Tracing

/// A request delivered to a responder (see ``TernClient/respond(on:maxConcurrentHandlers:_:)``).
public struct TernRequest: Sendable, Hashable {
    /// The topic the request was sent to.
    public var topic: String
    public var headers: Headers
    /// The payload: a slice of the bytes received, not a copy.
    public var payload: ByteBuffer
    /// The schema version the payload is encoded with, when the requester named one.
    public var schema: SchemaReference?
    /// The trace context the request carried, within the span the responder's handler runs in,
    /// when the client traces (see ``TernClient/connect(_:tracer:)``); else `.topLevel`.
    public var serviceContext: ServiceContext = .topLevel

    public init(topic: String, headers: Headers = [:], payload: ByteBuffer, schema: SchemaReference? = nil) {
        self.topic = topic
        self.headers = headers
        self.payload = payload
        self.schema = schema
    }

    /// Requests are equal when what they carry is: their trace context does not count.
    public static func == (lhs: TernRequest, rhs: TernRequest) -> Bool {
        lhs.topic == rhs.topic && lhs.headers == rhs.headers && lhs.payload == rhs.payload && lhs.schema == rhs.schema
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(topic)
        hasher.combine(headers)
        hasher.combine(payload)
        hasher.combine(schema)
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
