import TernProtocol

extension TernClientError {
    /// The error for a refusal with `code` and the broker's `message`:
    /// ``authenticationFailed(reason:)`` and ``permissionDenied(operation:topic:)`` for their
    /// codes, `otherwise` for any other.
    static func refusal(code: ErrorCode, message: String, otherwise: (ErrorCode, String) -> TernClientError) -> TernClientError {
        switch code {
        case .authenticationFailed:
            return .authenticationFailed(reason: message)
        case .permissionDenied:
            let (operation, topic) = permissionDenial(in: message)
            return .permissionDenied(operation: operation, topic: topic)
        default:
            return otherwise(code, message)
        }
    }

    /// The operation and topic of a `permission_denied` message, `OPERATION 'TOPIC': …`
    /// (PROTOCOL.md section 6.5; the rest names the user, whose name has no `:`); the whole
    /// message as the operation when it is not in that form.
    private static func permissionDenial(in message: String) -> (operation: String, topic: String) {
        let bytes = Array(message.utf8)
        guard let open = bytes.firstIndex(of: UInt8(ascii: "'")), open > 0, bytes[open - 1] == UInt8(ascii: " "),
            let close = bytes.indices.dropFirst(open + 1).last(where: { $0 + 1 < bytes.count && bytes[$0] == UInt8(ascii: "'") && bytes[$0 + 1] == UInt8(ascii: ":") })
        else { return (message, "") }
        return (String(decoding: bytes[..<(open - 1)], as: UTF8.self), String(decoding: bytes[(open + 1)..<close], as: UTF8.self))
    }
}
