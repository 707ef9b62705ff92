import NIOCore
import TernProtocol

/// A message delivered to a subscription.
public struct TernMessage: Sendable, Hashable {
    /// The topic it was published to.
    public var topic: String
    public var headers: Headers
    /// The payload: a slice of the bytes received, not a copy.
    public var payload: ByteBuffer
    /// The schema version the payload is encoded with, when the publisher named one.
    public var schema: SchemaReference?
    /// The topic on which the publisher expects an answer, if any.
    public var replyTo: String?

    public init(topic: String, headers: Headers = [:], payload: ByteBuffer, schema: SchemaReference? = nil, replyTo: String? = nil) {
        self.topic = topic
        self.headers = headers
        self.payload = payload
        self.schema = schema
        self.replyTo = replyTo
    }

    /// The message a MESSAGE frame delivers.
    init(_ message: consuming Frame.Message) {
        self.init(topic: message.topic, headers: message.headers, payload: message.payload, schema: message.schema, replyTo: message.replyTo)
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

/// The broker's notice that a subscription missed messages.
public struct TernDropNotice: Sendable, Hashable, CustomStringConvertible {
    /// The pattern of the subscription that missed them.
    public var pattern: String
    public var reason: Frame.DropNotice.Reason
    /// How many messages were dropped since the previous notice.
    public var count: UInt64

    public init(pattern: String, reason: Frame.DropNotice.Reason, count: UInt64) {
        self.pattern = pattern
        self.reason = reason
        self.count = count
    }

    /// For example "subscription 'orders.>' missed 12 messages (the broker dropped the oldest)".
    public var description: String {
        let why = switch reason {
        case .droppedOldest: "the broker dropped the oldest"
        case .droppedNewest: "the broker dropped the newest"
        case .unreadable: "unreadable with the subscription's schema"
        }
        return "subscription '\(pattern)' missed \(count) message\(count == 1 ? "" : "s") (\(why))"
    }
}
