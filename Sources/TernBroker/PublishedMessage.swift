import NIOCore
import TernProtocol

/// A message a topic accepted. Copies share the payload's storage, so fanning one message out to
/// many subscribers copies no payload bytes.
struct PublishedMessage: Sendable {
    var topic: String
    var replyTo: String?
    var headers: Headers
    var schema: SchemaReference?
    var payload: ByteBuffer
    /// The publisher's acknowledgement id, when it asked for one.
    var ackID: UInt64?
    /// What the message counts against byte capacities: its payload, topic and headers.
    let size: Int

    init(_ publish: Frame.Publish) {
        self.topic = publish.topic
        self.replyTo = publish.replyTo
        self.headers = publish.headers
        self.schema = publish.schema
        self.payload = publish.payload
        self.ackID = publish.ackID
        self.size = publish.payload.readableBytes + publish.topic.utf8.count
            + publish.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
    }
}
