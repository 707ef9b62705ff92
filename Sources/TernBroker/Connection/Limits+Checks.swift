import TernProtocol

/// The checks of payloads and headers against the limits, shared by publishes, requests and
/// replies (PROTOCOL.md sections 12 and 13).
extension Limits {
    /// Why a payload of `length` bytes may not pass, or `nil` when it may.
    func problem(withPayloadLength length: Int) -> (ErrorCode, String)? {
        guard length > maxPayloadLength else { return nil }
        return (.payloadTooLarge, "payload of \(length) bytes exceeds the limit of \(maxPayloadLength)")
    }

    /// Why `headers` may not pass, or `nil` when they may.
    func problem(withHeaders headers: Headers) -> (ErrorCode, String)? {
        let bytes = headers.byteCount
        guard bytes > maxHeaderBytes else { return nil }
        return (.invalidHeaders, "headers of \(bytes) bytes exceed the limit of \(maxHeaderBytes)")
    }
}
