/// The type codes of the frames that only routes between cluster nodes carry (CLUSTER.md,
/// "Frames"): 0x14 to 0x1F, never valid on a client connection.
public enum RouteFrameType: UInt8, Sendable, CaseIterable {
    case routeHello = 0x14
    case interest = 0x15
    case interestSynced = 0x16
    case routedMessage = 0x17
    case routedRequest = 0x18
    case routedReply = 0x19
    case routedDrops = 0x1A
    case routeClose = 0x1F

    /// The flag bits the type defines; the others are reserved.
    var definedFlags: UInt8 {
        switch self {
        case .interest: RouteFrameFlags.queueGroup | RouteFrameFlags.responder
        case .routedMessage: FrameFlags.replyTo | FrameFlags.headers | FrameFlags.schema | RouteFrameFlags.queueGroups
        case .routedRequest, .routedReply: FrameFlags.headers | FrameFlags.schema
        case .routeHello, .interestSynced, .routedDrops, .routeClose: 0
        }
    }
}

/// The flag bits of route frames besides those they share with client frames (reply-to,
/// headers and schema, at the bits of PUBLISH's).
enum RouteFrameFlags {
    // INTEREST
    static let queueGroup: UInt8 = 0x01
    static let responder: UInt8 = 0x02
    // ROUTED_MESSAGE
    static let queueGroups: UInt8 = 0x10
}
