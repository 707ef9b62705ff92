import NIOCore
import TernProtocol
import Tracing

/// A message delivered to a subscription.
public struct TernMessage: Sendable, Hashable {
    /// The fields as they were decoded: a delivered message is made by moving the decoded frame
    /// in whole, which copies nothing.
    private var fields: Frame.Message

    /// The trace context the message carried, within the `consumer` span of its delivery, when
    /// the client traces (see ``TernClient/connect(_:tracer:)``); else `.topLevel`. Work done for
    /// the message continues the publisher's trace in it:
    /// `withSpan("handle order", context: message.serviceContext) { … }`.
    public var serviceContext: ServiceContext = .topLevel

    /// The topic it was published to.
    public var topic: String {
        get { fields.topic }
        set { fields.topic = newValue }
    }

    public var headers: Headers {
        get { fields.headers }
        set { fields.headers = newValue }
    }

    /// The payload: a slice of the bytes received, not a copy.
    public var payload: ByteBuffer {
        get { fields.payload }
        set { fields.payload = newValue }
    }

    /// The schema version the payload is encoded with, when the publisher named one.
    public var schema: SchemaReference? {
        get { fields.schema }
        set { fields.schema = newValue }
    }

    /// The topic on which the publisher expects an answer, if any.
    public var replyTo: String? {
        get { fields.replyTo }
        set { fields.replyTo = newValue }
    }

    public init(topic: String, headers: Headers = [:], payload: ByteBuffer, schema: SchemaReference? = nil, replyTo: String? = nil) {
        fields = Frame.Message(subscriptionID: 0, topic: topic, replyTo: replyTo, headers: headers, schema: schema, payload: payload)
    }

    /// The message a MESSAGE frame delivers.
    init(_ message: consuming Frame.Message) {
        fields = message
    }

    /// Messages are equal when what they deliver is: which subscription they came through, and
    /// their trace context, do not count.
    public static func == (lhs: TernMessage, rhs: TernMessage) -> Bool {
        lhs.topic == rhs.topic && lhs.headers == rhs.headers && lhs.payload == rhs.payload
            && lhs.schema == rhs.schema && lhs.replyTo == rhs.replyTo
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(topic)
        hasher.combine(headers)
        hasher.combine(payload)
        hasher.combine(schema)
        hasher.combine(replyTo)
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
