import NIOCore

extension Frame {
    /// REQUEST (client → server): a request to one responder of a topic.
    public struct Request: Sendable, Hashable {
        /// The requester's id; the REPLY carries it back.
        public var requestID: UInt64
        public var topic: String
        /// How long the broker keeps the request open before it answers ``ErrorCode/timeout``.
        public var timeoutMilliseconds: UInt32
        public var headers: Headers
        public var schema: SchemaReference?
        public var payload: ByteBuffer

        public init(requestID: UInt64, topic: String, timeoutMilliseconds: UInt32, headers: Headers = [:], schema: SchemaReference? = nil, payload: ByteBuffer) {
            self.requestID = requestID
            self.topic = topic
            self.timeoutMilliseconds = timeoutMilliseconds
            self.headers = headers
            self.schema = schema
            self.payload = payload
        }
    }

    /// INCOMING_REQUEST (server → client): a request for one of the client's responder subscriptions.
    public struct IncomingRequest: Sendable, Hashable {
        public var subscriptionID: UInt32
        /// The broker's id for this request on this connection; the responder's REPLY carries it.
        public var requestID: UInt64
        public var topic: String
        public var headers: Headers
        public var schema: SchemaReference?
        public var payload: ByteBuffer

        public init(subscriptionID: UInt32, requestID: UInt64, topic: String, headers: Headers = [:], schema: SchemaReference? = nil, payload: ByteBuffer) {
            self.subscriptionID = subscriptionID
            self.requestID = requestID
            self.topic = topic
            self.headers = headers
            self.schema = schema
            self.payload = payload
        }
    }

    /// REPLY (either way): a responder's answer to an INCOMING_REQUEST, or the broker's answer
    /// to a REQUEST. A non-zero code marks a failure; the payload then holds its UTF-8 message.
    public struct Reply: Sendable, Hashable {
        public var requestID: UInt64
        public var code: ErrorCode
        public var headers: Headers
        public var schema: SchemaReference?
        public var payload: ByteBuffer

        public init(requestID: UInt64, code: ErrorCode = .ok, headers: Headers = [:], schema: SchemaReference? = nil, payload: ByteBuffer) {
            self.requestID = requestID
            self.code = code
            self.headers = headers
            self.schema = schema
            self.payload = payload
        }
    }
}
