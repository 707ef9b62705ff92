/// The flag bits of each frame type. Bits a type does not define are reserved: a sender sets
/// them to zero and a receiver rejects a frame that has any of them set.
enum FrameFlags {
    // HELLO
    static let credentials: UInt8 = 0x01
    // PUBLISH, MESSAGE, REQUEST, INCOMING_REQUEST, REPLY
    static let ack: UInt8 = 0x01
    static let replyTo: UInt8 = 0x02
    static let headers: UInt8 = 0x04
    static let schema: UInt8 = 0x08
    // SUBSCRIBE
    static let queueGroup: UInt8 = 0x01
    static let responder: UInt8 = 0x02
    static let readAs: UInt8 = 0x04
    // ERROR
    static let close: UInt8 = 0x01

    /// The bits each frame type defines.
    static func defined(for type: FrameType) -> UInt8 {
        switch type {
        case .hello: credentials
        case .publish: ack | replyTo | headers | schema
        case .message: replyTo | headers | schema
        case .request, .incomingRequest, .reply: headers | schema
        case .subscribe: queueGroup | responder | readAs
        case .error: close
        default: 0
        }
    }
}
