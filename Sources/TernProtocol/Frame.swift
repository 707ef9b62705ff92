import NIOCore

/// One protocol frame, as PROTOCOL.md defines it.
///
/// Every frame on the wire is a big-endian `UInt32` length (the number of bytes that follow it),
/// a one-byte ``FrameType``, a one-byte flags field, and the frame's body. Payloads are the
/// bytes that remain at the end of a frame, so they carry no length of their own.
public enum Frame: Sendable, Hashable {
    case hello(Hello)
    case welcome(Welcome)
    case publish(Publish)
    case subscribe(Subscribe)
    case unsubscribe(Unsubscribe)
    case message(Message)
    case request(Request)
    case incomingRequest(IncomingRequest)
    case reply(Reply)
    case ack(Ack)
    case ping(Ping)
    case pong(Ping)
    case error(Error)
    case dropNotice(DropNotice)
    case goodbye(Goodbye)
    case lameDuck(LameDuck)
    case servers(Servers)
    case registerSchema(RegisterSchema)
    case getSchema(GetSchema)
    case listSchemas(ListSchemas)
    case setCompatibility(SetCompatibility)
    case bindTopic(BindTopic)
    case checkSchema(CheckSchema)
    case schemaInfo(SchemaInfo)
    case schemaList(SchemaList)
    case registryResult(RegistryResult)
    /// A frame whose type this version does not know; its bytes are kept so it can be skipped.
    case unknown(Unknown)

    /// The frame's type code; `nil` for ``unknown(_:)``.
    public var type: FrameType? {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .publish: .publish
        case .subscribe: .subscribe
        case .unsubscribe: .unsubscribe
        case .message: .message
        case .request: .request
        case .incomingRequest: .incomingRequest
        case .reply: .reply
        case .ack: .ack
        case .ping: .ping
        case .pong: .pong
        case .error: .error
        case .dropNotice: .dropNotice
        case .goodbye: .goodbye
        case .lameDuck: .lameDuck
        case .servers: .servers
        case .registerSchema: .registerSchema
        case .getSchema: .getSchema
        case .listSchemas: .listSchemas
        case .setCompatibility: .setCompatibility
        case .bindTopic: .bindTopic
        case .checkSchema: .checkSchema
        case .schemaInfo: .schemaInfo
        case .schemaList: .schemaList
        case .registryResult: .registryResult
        case .unknown: nil
        }
    }
}
