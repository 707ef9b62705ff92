import TernProtocol

/// The names an `error:` line of an invalid vector may use (see Protocol/vectors/README.md).
enum ExpectedDecodingError: String, CaseIterable {
    case frameTooLarge = "frame_too_large"
    case frameTooShort = "frame_too_short"
    case reservedFlags = "reserved_flags"
    case truncated
    case trailingBytes = "trailing_bytes"
    case invalidUTF8 = "invalid_utf8"
    case invalidHeaderName = "invalid_header_name"
    case unknownValue = "unknown_value"
    /// Not an error: the bytes are the start of a frame, and the decoder waits for the rest.
    case incomplete

    /// Whether `error` is the failure this name stands for.
    func matches(_ error: FrameDecodingError) -> Bool {
        switch (self, error) {
        case (.frameTooLarge, .frameTooLarge), (.frameTooShort, .frameTooShort):
            true
        case (_, .malformed(_, let reason)), (_, .malformedRouteFrame(_, let reason)):
            switch self {
            case .reservedFlags: reason == "reserved flag bits set"
            case .truncated: reason == "truncated"
            case .trailingBytes: reason.hasSuffix("unexpected trailing bytes")
            case .invalidUTF8: reason == "invalid UTF-8"
            case .invalidHeaderName: reason == "invalid header name"
            case .unknownValue: reason.hasPrefix("unknown ")
            default: false
            }
        default:
            false
        }
    }

    /// The protocol error code a server reports for this failure.
    var code: ErrorCode {
        switch self {
        case .frameTooLarge: .frameTooLarge
        default: .malformedFrame
        }
    }
}
