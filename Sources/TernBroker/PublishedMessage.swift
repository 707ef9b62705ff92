import NIOCore
import TernProtocol

/// A message a topic accepted. Copies share one immutable envelope and the payload's storage, so
/// handing one message to many queues costs two reference counts per copy and no bytes.
struct PublishedMessage: Sendable {
    /// Everything but the payload, shared by every copy.
    final class Envelope: Sendable {
        let topic: String
        let replyTo: String?
        let headers: Headers
        let schema: SchemaReference?
        let ackID: UInt64?
        let size: Int

        init(topic: String, replyTo: String?, headers: Headers, schema: SchemaReference?, ackID: UInt64?, size: Int) {
            self.topic = topic
            self.replyTo = replyTo
            self.headers = headers
            self.schema = schema
            self.ackID = ackID
            self.size = size
        }
    }

    private(set) var envelope: Envelope
    var payload: ByteBuffer

    init(_ publish: Frame.Publish) {
        let size = publish.payload.readableBytes + publish.topic.utf8.count + publish.headers.byteCount
        self.envelope = Envelope(
            topic: publish.topic, replyTo: publish.replyTo, headers: publish.headers, schema: publish.schema,
            ackID: publish.ackID, size: size
        )
        self.payload = publish.payload
    }

    var topic: String { envelope.topic }
    var replyTo: String? { envelope.replyTo }
    var headers: Headers { envelope.headers }
    /// The publisher's acknowledgement id, when it asked for one.
    var ackID: UInt64? { envelope.ackID }
    /// What the message counts against byte capacities: its payload, topic and headers.
    var size: Int { envelope.size }

    var schema: SchemaReference? {
        get { envelope.schema }
        set {
            envelope = Envelope(
                topic: envelope.topic, replyTo: envelope.replyTo, headers: envelope.headers, schema: newValue,
                ackID: envelope.ackID, size: envelope.size
            )
        }
    }
}
