import NIOCore
import TernProtocol

/// A message a topic accepted. Copies share one immutable envelope and the payload's storage, so
/// handing one message to many queues costs two reference counts per copy and no bytes; a run of
/// publishes with the same topic and fields shares one envelope too.
struct PublishedMessage: Sendable {
    /// Everything but the payload, shared by every copy.
    final class Envelope: Sendable {
        let topic: String
        let replyTo: String?
        let headers: Headers
        let schema: SchemaReference?
        let ackID: UInt64?
        /// For a message another node of the cluster forwarded, the queue groups it is for
        /// (CLUSTER.md, "Forwarding"): no other group gets it. `nil`, every group, for a message
        /// published on this node.
        let routedGroups: [String]?
        /// What the message counts against byte capacities besides its payload: topic and headers.
        let overhead: Int

        init(topic: String, replyTo: String?, headers: Headers, schema: SchemaReference?, ackID: UInt64?, routedGroups: [String]? = nil) {
            self.topic = topic
            self.replyTo = replyTo
            self.headers = headers
            self.schema = schema
            self.ackID = ackID
            self.routedGroups = routedGroups
            self.overhead = topic.utf8.count + headers.byteCount
        }

        /// Whether `publish` has these fields, so that its message can share this envelope. An
        /// envelope with an ack id is never shared.
        func fits(_ publish: Frame.Publish) -> Bool {
            ackID == nil && publish.ackID == nil && topic == publish.topic && replyTo == publish.replyTo
                && schema == publish.schema && headers == publish.headers
        }
    }

    private(set) var envelope: Envelope
    var payload: ByteBuffer

    /// The message of `publish`, with an envelope of its own.
    init(_ publish: consuming Frame.Publish) {
        var none: Envelope?
        self.init(publish, sharing: &none)
    }

    /// The message of `publish`, with `lastEnvelope` as its envelope when it fits; otherwise
    /// its new envelope becomes `lastEnvelope`.
    init(_ publish: consuming Frame.Publish, sharing lastEnvelope: inout Envelope?) {
        if let last = lastEnvelope, last.fits(publish) {
            self.envelope = last
        } else {
            let envelope = Envelope(
                topic: publish.topic, replyTo: publish.replyTo, headers: publish.headers, schema: publish.schema, ackID: publish.ackID
            )
            lastEnvelope = envelope
            self.envelope = envelope
        }
        self.payload = publish.payload
    }

    /// A message another node of the cluster forwarded, for the queue groups it lists, with
    /// `candidate` as its envelope when it has the same fields.
    init(routed message: RouteFrame.Message, reusing candidate: Envelope? = nil) {
        if let candidate, candidate.ackID == nil, candidate.topic == message.topic, candidate.routedGroups == message.queueGroups,
            candidate.replyTo == message.replyTo, candidate.schema == message.schema, candidate.headers == message.headers
        {
            envelope = candidate
        } else {
            envelope = Envelope(
                topic: message.topic, replyTo: message.replyTo, headers: message.headers, schema: message.schema, ackID: nil,
                routedGroups: message.queueGroups
            )
        }
        payload = message.payload
    }

    var topic: String { envelope.topic }
    var replyTo: String? { envelope.replyTo }
    var headers: Headers { envelope.headers }
    /// The publisher's acknowledgement id, when it asked for one.
    var ackID: UInt64? { envelope.ackID }
    /// What the message counts against byte capacities: its payload, topic and headers.
    var size: Int { payload.readableBytes + envelope.overhead }

    var schema: SchemaReference? {
        get { envelope.schema }
        set {
            envelope = Envelope(
                topic: envelope.topic, replyTo: envelope.replyTo, headers: envelope.headers, schema: newValue, ackID: envelope.ackID,
                routedGroups: envelope.routedGroups
            )
        }
    }

    /// Appends the MESSAGE frame that delivers this message to subscription `subscriptionID`.
    func writeMessageFrame(subscriptionID: UInt32, into buffer: inout ByteBuffer) throws(FrameEncodingError) {
        try buffer.writeMessageFrame(
            subscriptionID: subscriptionID, topic: envelope.topic, replyTo: envelope.replyTo, headers: envelope.headers,
            schema: envelope.schema, payload: payload
        )
    }

    /// Whether the queue group `name` is to get the message.
    func isFor(group name: String) -> Bool {
        envelope.routedGroups?.contains(name) ?? true
    }
}
