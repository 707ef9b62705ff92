import TernProtocol

/// The checks of payloads and headers against the limits, shared by publishes, requests and
/// replies (PROTOCOL.md sections 12 and 13).
extension Limits {
    /// Why a payload of `length` bytes with `headerBytes` of header names and values may not
    /// pass, or `nil` when it may. Nearly every frame passes: that costs two comparisons.
    @inline(__always)
    func problem(withPayloadLength length: Int, headerBytes: Int) -> (ErrorCode, String)? {
        guard length > maxPayloadLength || headerBytes > maxHeaderBytes else { return nil }
        return describedProblem(withPayloadLength: length, headerBytes: headerBytes)
    }

    @inline(never)
    private func describedProblem(withPayloadLength length: Int, headerBytes: Int) -> (ErrorCode, String) {
        guard length <= maxPayloadLength else {
            return (.payloadTooLarge, "payload of \(length) bytes exceeds the limit of \(maxPayloadLength)")
        }
        return (.invalidHeaders, "headers of \(headerBytes) bytes exceed the limit of \(maxHeaderBytes)")
    }
}
