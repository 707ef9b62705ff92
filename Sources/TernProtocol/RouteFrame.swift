import NIOCore

/// One frame on a route between two nodes of a cluster (CLUSTER.md, "Routes"): a frame of
/// its own type, or one of the client frames a route uses as they are (PING, PONG, GOODBYE).
public enum RouteFrame: Sendable, Hashable {
    case hello(Hello)
    case interest(Interest)
    case interestSynced
    case message(Message)
    case request(Request)
    case reply(Reply)
    case drops(Drops)
    case close(Close)
    case ping(Frame.Ping)
    case pong(Frame.Ping)
    case goodbye(Frame.Goodbye)

    /// ROUTE_HELLO: each side's first frame, saying who it is.
    public struct Hello: Sendable, Hashable {
        /// The version of the route protocol; 1.
        public var version: UInt16
        public var cluster: String
        /// The sender's member id.
        public var memberID: String
        /// The sender's max frame length: every node of a cluster must have the same.
        public var maxFrameLength: UInt32

        /// The route protocol's version.
        public static let currentVersion: UInt16 = 1

        public init(version: UInt16 = currentVersion, cluster: String, memberID: String, maxFrameLength: UInt32) {
            self.version = version
            self.cluster = cluster
            self.memberID = memberID
            self.maxFrameLength = maxFrameLength
        }
    }

    /// INTEREST: the current count of one interest entry of the sender; 0 removes it.
    public struct Interest: Sendable, Hashable {
        public var pattern: String
        public var queueGroup: String?
        /// Whether the entry is of responders (requests) rather than of messages.
        public var isResponder: Bool
        public var count: UInt32

        public init(pattern: String, queueGroup: String? = nil, isResponder: Bool = false, count: UInt32) {
            self.pattern = pattern
            self.queueGroup = queueGroup
            self.isResponder = isResponder
            self.count = count
        }
    }

    /// ROUTED_MESSAGE: a message a client published on the sender's node, forwarded.
    public struct Message: Sendable, Hashable {
        public var topic: String
        public var replyTo: String?
        public var headers: Headers
        public var schema: SchemaReference?
        /// The queue groups the receiver delivers the message to one member of.
        public var queueGroups: [String]
        public var payload: ByteBuffer

        public init(
            topic: String, replyTo: String? = nil, headers: Headers = [:], schema: SchemaReference? = nil, queueGroups: [String] = [],
            payload: ByteBuffer
        ) {
            self.topic = topic
            self.replyTo = replyTo
            self.headers = headers
            self.schema = schema
            self.queueGroups = queueGroups
            self.payload = payload
        }
    }

    /// ROUTED_REQUEST: a request, forwarded to the node of the responder chosen for it.
    public struct Request: Sendable, Hashable {
        /// The sender's id for the request, unique on the route.
        public var routeRequestID: UInt64
        public var timeoutMilliseconds: UInt32
        public var topic: String
        public var headers: Headers
        public var schema: SchemaReference?
        public var payload: ByteBuffer

        public init(
            routeRequestID: UInt64, timeoutMilliseconds: UInt32, topic: String, headers: Headers = [:], schema: SchemaReference? = nil,
            payload: ByteBuffer
        ) {
            self.routeRequestID = routeRequestID
            self.timeoutMilliseconds = timeoutMilliseconds
            self.topic = topic
            self.headers = headers
            self.schema = schema
            self.payload = payload
        }
    }

    /// ROUTED_REPLY: the answer to a ROUTED_REQUEST, or why there is none.
    public struct Reply: Sendable, Hashable {
        public var routeRequestID: UInt64
        public var code: ErrorCode
        public var headers: Headers
        public var schema: SchemaReference?
        public var payload: ByteBuffer

        public init(routeRequestID: UInt64, code: ErrorCode = .ok, headers: Headers = [:], schema: SchemaReference? = nil, payload: ByteBuffer) {
            self.routeRequestID = routeRequestID
            self.code = code
            self.headers = headers
            self.schema = schema
            self.payload = payload
        }
    }

    /// ROUTED_DROPS: how many messages matching one of the receiver's patterns the sender
    /// could not forward while the route was down for a slow peer.
    public struct Drops: Sendable, Hashable {
        public var pattern: String
        public var count: UInt64

        public init(pattern: String, count: UInt64) {
            self.pattern = pattern
            self.count = count
        }
    }

    /// ROUTE_CLOSE: why the sender closes the route.
    public struct Close: Sendable, Hashable {
        public enum Reason: UInt16, Sendable, Hashable, CaseIterable {
            case wrongCluster = 1
            case unknownMember = 2
            case duplicateRoute = 3
            case configMismatch = 4
            case slowPeer = 5
            case shuttingDown = 6
            case malformedFrame = 7
        }

        public var reason: Reason
        public var message: String

        public init(reason: Reason, message: String = "") {
            self.reason = reason
            self.message = message
        }
    }
}

extension RouteFrame.Close.Reason: CustomStringConvertible {
    /// The reason's name in CLUSTER.md.
    public var description: String {
        switch self {
        case .wrongCluster: "wrong_cluster"
        case .unknownMember: "unknown_member"
        case .duplicateRoute: "duplicate_route"
        case .configMismatch: "config_mismatch"
        case .slowPeer: "slow_peer"
        case .shuttingDown: "shutting_down"
        case .malformedFrame: "malformed_frame"
        }
    }
}
