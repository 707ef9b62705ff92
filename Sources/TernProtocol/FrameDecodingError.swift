/// Why bytes from a peer are not a valid frame. Each case maps to the protocol's error code.
public enum FrameDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The length prefix claims more than the announced maximum; nothing of it was buffered.
    case frameTooLarge(length: UInt32, limit: UInt32)
    /// The length prefix is smaller than a frame's type and flags.
    case frameTooShort(length: UInt32)
    /// The frame's body does not follow its type's layout.
    case malformed(type: FrameType, reason: String)
    /// A route frame's body (CLUSTER.md) does not follow its type's layout.
    case malformedRouteFrame(type: RouteFrameType, reason: String)
    /// A frame of a type that is not valid on a route between cluster nodes (CLUSTER.md).
    case notARouteFrame(type: UInt8)

    /// The code a server reports for this error before it closes the connection.
    public var code: ErrorCode {
        switch self {
        case .frameTooLarge: .frameTooLarge
        case .frameTooShort, .malformed, .malformedRouteFrame, .notARouteFrame: .malformedFrame
        }
    }

    public var description: String {
        switch self {
        case .frameTooLarge(let length, let limit):
            "frame of \(length) bytes exceeds the limit of \(limit) bytes"
        case .frameTooShort(let length):
            "frame length \(length) is shorter than a frame header"
        case .malformed(let type, let reason):
            "malformed \(type) frame: \(reason)"
        case .malformedRouteFrame(let type, let reason):
            "malformed \(type) route frame: \(reason)"
        case .notARouteFrame(let type):
            "frame type 0x\(String(type, radix: 16)) is not valid on a route"
        }
    }
}

/// Why a frame cannot be encoded: a field is longer than its length prefix can say.
public struct FrameEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var length: Int
    public var limit: Int

    public var description: String {
        "\(field) is \(length) bytes, more than the \(limit) the protocol allows"
    }
}
