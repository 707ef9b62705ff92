/// A numeric error code from the table in PROTOCOL.md.
///
/// Codes travel in ERROR, ACK, REPLY, GOODBYE and REGISTRY_RESULT frames. `0` means success.
/// An unknown code must be treated as a generic failure of its range's category.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    // Success.
    public static let ok = ErrorCode(rawValue: 0x0000)

    // 0x00xx: the connection and the protocol itself.
    public static let malformedFrame = ErrorCode(rawValue: 0x0001)
    public static let unsupportedVersion = ErrorCode(rawValue: 0x0002)
    public static let frameTooLarge = ErrorCode(rawValue: 0x0003)
    public static let unexpectedFrame = ErrorCode(rawValue: 0x0004)
    public static let unknownFrameType = ErrorCode(rawValue: 0x0005)
    public static let handshakeTimeout = ErrorCode(rawValue: 0x0006)
    public static let authenticationFailed = ErrorCode(rawValue: 0x0007)
    public static let pingTimeout = ErrorCode(rawValue: 0x0008)
    public static let tooManyConnections = ErrorCode(rawValue: 0x0009)
    public static let slowConsumer = ErrorCode(rawValue: 0x000A)
    public static let serverShuttingDown = ErrorCode(rawValue: 0x000B)
    public static let internalError = ErrorCode(rawValue: 0x000C)
    public static let outboundLimitExceeded = ErrorCode(rawValue: 0x000D)
    /// The user may not do this operation on this topic, pattern or subject; the connection stays open.
    public static let permissionDenied = ErrorCode(rawValue: 0x000E)

    // 0x01xx: publish and subscribe.
    public static let invalidTopic = ErrorCode(rawValue: 0x0100)
    public static let invalidPattern = ErrorCode(rawValue: 0x0101)
    public static let payloadTooLarge = ErrorCode(rawValue: 0x0102)
    public static let invalidHeaders = ErrorCode(rawValue: 0x0103)
    public static let tooManySubscriptions = ErrorCode(rawValue: 0x0104)
    public static let duplicateSubscription = ErrorCode(rawValue: 0x0105)
    public static let unknownSubscription = ErrorCode(rawValue: 0x0106)
    public static let mailboxFull = ErrorCode(rawValue: 0x0107)
    public static let tooManyTopics = ErrorCode(rawValue: 0x0108)

    // 0x02xx: request and reply.
    public static let noResponders = ErrorCode(rawValue: 0x0200)
    public static let timeout = ErrorCode(rawValue: 0x0201)
    public static let responderGone = ErrorCode(rawValue: 0x0202)
    public static let handlerFailed = ErrorCode(rawValue: 0x0203)
    public static let unknownRequest = ErrorCode(rawValue: 0x0204)
    public static let tooManyRequests = ErrorCode(rawValue: 0x0205)

    // 0x03xx: schemas.
    public static let unknownSubject = ErrorCode(rawValue: 0x0300)
    public static let unknownVersion = ErrorCode(rawValue: 0x0301)
    public static let incompatibleSchema = ErrorCode(rawValue: 0x0302)
    public static let invalidSchema = ErrorCode(rawValue: 0x0303)
    public static let schemaRequired = ErrorCode(rawValue: 0x0304)
    public static let invalidPayload = ErrorCode(rawValue: 0x0305)
    public static let schemaMismatch = ErrorCode(rawValue: 0x0306)
    public static let invalidSubject = ErrorCode(rawValue: 0x0307)
    /// A cluster node cannot change the registry now: etcd, which keeps it, is out of reach.
    public static let registryUnavailable = ErrorCode(rawValue: 0x0308)

    private static let names: [UInt16: String] = [
        0x0000: "ok",
        0x0001: "malformed frame", 0x0002: "unsupported version", 0x0003: "frame too large",
        0x0004: "unexpected frame", 0x0005: "unknown frame type", 0x0006: "handshake timeout",
        0x0007: "authentication failed", 0x0008: "ping timeout", 0x0009: "too many connections",
        0x000A: "slow consumer", 0x000B: "server shutting down", 0x000C: "internal error",
        0x000D: "outbound limit exceeded", 0x000E: "permission denied",
        0x0100: "invalid topic", 0x0101: "invalid pattern", 0x0102: "payload too large",
        0x0103: "invalid headers", 0x0104: "too many subscriptions", 0x0105: "duplicate subscription",
        0x0106: "unknown subscription", 0x0107: "mailbox full", 0x0108: "too many topics",
        0x0200: "no responders", 0x0201: "timeout", 0x0202: "responder gone",
        0x0203: "handler failed", 0x0204: "unknown request", 0x0205: "too many requests",
        0x0300: "unknown subject", 0x0301: "unknown version", 0x0302: "incompatible schema",
        0x0303: "invalid schema", 0x0304: "schema required", 0x0305: "invalid payload",
        0x0306: "schema mismatch", 0x0307: "invalid subject", 0x0308: "registry unavailable",
    ]

    /// The code's name as the specification's table gives it, e.g. "no responders".
    public var description: String {
        Self.names[rawValue] ?? "error 0x" + String(rawValue, radix: 16)
    }
}
