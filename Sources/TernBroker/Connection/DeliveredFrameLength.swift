import TernProtocol

/// The lengths of the frames the broker delivers, not counting their length prefix. They carry
/// fields the client's frame did not (a subscription id), or a payload the broker resolved to
/// another schema version, and must still fit the max frame length.
enum DeliveredFrameLength {
    /// A MESSAGE with these fields.
    static func message(topic: String, replyTo: String?, headers: Headers, hasSchema: Bool, payloadLength: Int) -> Int {
        2 + 4 + 2 + topic.utf8.count + (replyTo.map { 2 + $0.utf8.count } ?? 0) + headers.encodedLength + (hasSchema ? 8 : 0) + payloadLength
    }

    /// An INCOMING_REQUEST with these fields.
    static func incomingRequest(topic: String, headers: Headers, hasSchema: Bool, payloadLength: Int) -> Int {
        2 + 4 + 8 + 2 + topic.utf8.count + headers.encodedLength + (hasSchema ? 8 : 0) + payloadLength
    }
}
