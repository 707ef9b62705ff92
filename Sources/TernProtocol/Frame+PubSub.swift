import NIOCore

extension Frame {
    /// PUBLISH (client → server): one message for a topic.
    public struct Publish: Sendable, Hashable {
        // The payload comes first so that the compiler's memberwise initializer, whose labels
        // then differ from the public one's, exists too: decoding uses it because it builds the
        // value in place, where an initializer with a body builds it aside and copies it.
        public var payload: ByteBuffer
        public var topic: String
        /// The id the broker's ACK will carry; `nil` when the client wants no acknowledgement.
        public var ackID: UInt64?
        /// A topic on which the receiver may answer.
        public var replyTo: String?
        public var headers: Headers
        public var schema: SchemaReference?
    }

    /// SUBSCRIBE (client → server): receive the messages, or the requests, of matching topics.
    public struct Subscribe: Sendable, Hashable {
        /// The client's id for this subscription, unique among its open subscriptions.
        public var subscriptionID: UInt32
        /// A topic or a pattern with `*` and `>`.
        public var pattern: String
        /// Members of one queue group share the messages: each goes to exactly one of them.
        public var queueGroup: String?
        /// Deliver INCOMING_REQUEST frames for requests on matching topics instead of messages.
        public var isResponder: Bool
        /// Resolve schema-tagged messages to this version of their subject before delivery.
        public var readAs: SchemaReference?

        public init(subscriptionID: UInt32, pattern: String, queueGroup: String? = nil, isResponder: Bool = false, readAs: SchemaReference? = nil) {
            self.subscriptionID = subscriptionID
            self.pattern = pattern
            self.queueGroup = queueGroup
            self.isResponder = isResponder
            self.readAs = readAs
        }
    }

    /// UNSUBSCRIBE (client → server).
    public struct Unsubscribe: Sendable, Hashable {
        public var subscriptionID: UInt32

        public init(subscriptionID: UInt32) {
            self.subscriptionID = subscriptionID
        }
    }

    /// MESSAGE (server → client): a published message delivered to one subscription.
    public struct Message: Sendable, Hashable {
        // The payload comes first for the reason ``Publish``'s does.
        public var payload: ByteBuffer
        public var subscriptionID: UInt32
        public var topic: String
        public var replyTo: String?
        public var headers: Headers
        public var schema: SchemaReference?
    }

    /// ACK (server → client): whether a publish that asked for one entered its topic.
    public struct Ack: Sendable, Hashable {
        public var ackID: UInt64
        /// ``ErrorCode/ok`` when accepted.
        public var code: ErrorCode
        public var message: String

        public init(ackID: UInt64, code: ErrorCode = .ok, message: String = "") {
            self.ackID = ackID
            self.code = code
            self.message = message
        }
    }

    /// DROP_NOTICE (server → client): messages a subscription missed, and why.
    public struct DropNotice: Sendable, Hashable {
        /// Why messages were dropped.
        public enum Reason: UInt8, Sendable, Hashable {
            /// The overflow policy `drop-oldest` discarded the oldest queued messages.
            case droppedOldest = 1
            /// The overflow policy `drop-newest` refused new messages.
            case droppedNewest = 2
            /// The subscription's schema could not resolve the messages to the version it reads.
            case unreadable = 3
        }

        public var subscriptionID: UInt32
        public var reason: Reason
        public var count: UInt64

        public init(subscriptionID: UInt32, reason: Reason, count: UInt64) {
            self.subscriptionID = subscriptionID
            self.reason = reason
            self.count = count
        }
    }
}

extension Frame.Publish {
    /// A PUBLISH of `payload` to `topic`.
    public init(topic: String, ackID: UInt64? = nil, replyTo: String? = nil, headers: Headers = [:], schema: SchemaReference? = nil, payload: ByteBuffer) {
        self.init(payload: payload, topic: topic, ackID: ackID, replyTo: replyTo, headers: headers, schema: schema)
    }
}

extension Frame.Message {
    /// A MESSAGE delivering `payload`, published to `topic`, to subscription `subscriptionID`.
    public init(subscriptionID: UInt32, topic: String, replyTo: String? = nil, headers: Headers = [:], schema: SchemaReference? = nil, payload: ByteBuffer) {
        self.init(payload: payload, subscriptionID: subscriptionID, topic: topic, replyTo: replyTo, headers: headers, schema: schema)
    }
}
