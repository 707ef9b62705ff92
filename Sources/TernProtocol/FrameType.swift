/// The one-byte type code that follows a frame's length prefix.
///
/// Codes are stable across protocol versions: a later version may add codes but never
/// reassigns one. A peer that receives a code it does not know answers with
/// ``ErrorCode/unknownFrameType`` and skips the frame, which its length prefix makes possible.
public enum FrameType: UInt8, Sendable, CaseIterable {
    case hello = 0x01
    case welcome = 0x02
    case publish = 0x03
    case subscribe = 0x04
    case unsubscribe = 0x05
    case message = 0x06
    case request = 0x07
    case incomingRequest = 0x08
    case reply = 0x09
    case ack = 0x0A
    case ping = 0x0B
    case pong = 0x0C
    case error = 0x0D
    case dropNotice = 0x0E
    case goodbye = 0x0F
    case lameDuck = 0x10
    case servers = 0x11
    case registerSchema = 0x20
    case getSchema = 0x21
    case listSchemas = 0x22
    case setCompatibility = 0x23
    case bindTopic = 0x24
    case checkSchema = 0x25
    case schemaInfo = 0x28
    case schemaList = 0x29
    case registryResult = 0x2A
}
