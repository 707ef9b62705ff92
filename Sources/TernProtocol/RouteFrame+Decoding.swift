import NIOCore

extension RouteFrame {
    /// Parses one route frame's body, given the type and flags that precede it.
    ///
    /// A type that is neither a route frame's nor PING, PONG or GOODBYE throws
    /// ``FrameDecodingError/notARouteFrame(type:)``; a body that does not follow its layout, sets
    /// a reserved flag or has bytes after its last field throws too.
    public init(type rawType: UInt8, flags: UInt8, body: ByteBuffer) throws(FrameDecodingError) {
        guard let type = RouteFrameType(rawValue: rawType) else {
            switch FrameType(rawValue: rawType) {
            case .ping, .pong, .goodbye:
                switch try Frame(type: rawType, flags: flags, body: body) {
                case .ping(let ping): self = .ping(ping)
                case .pong(let pong): self = .pong(pong)
                case .goodbye(let goodbye): self = .goodbye(goodbye)
                default: throw .notARouteFrame(type: rawType)
                }
            default:
                throw .notARouteFrame(type: rawType)
            }
            return
        }
        guard flags & ~type.definedFlags == 0 else { throw .malformedRouteFrame(type: type, reason: "reserved flag bits set") }
        var reader = FrameBodyReader(routeType: type, flags: flags, body: body)
        self = try Self.decodeBody(of: type, from: &reader)
        switch type {
        case .routedMessage, .routedRequest, .routedReply: break
        default: try reader.finish()
        }
    }

    private static func decodeBody(of type: RouteFrameType, from reader: inout FrameBodyReader) throws(FrameDecodingError) -> RouteFrame {
        switch type {
        case .routeHello:
            return .hello(Hello(version: try reader.integer(), cluster: try reader.string(), memberID: try reader.string(), maxFrameLength: try reader.integer()))
        case .interest:
            let pattern = try reader.string()
            let group = reader.has(RouteFrameFlags.queueGroup) ? try reader.string() : nil
            return .interest(Interest(pattern: pattern, queueGroup: group, isResponder: reader.has(RouteFrameFlags.responder), count: try reader.integer()))
        case .interestSynced:
            return .interestSynced
        case .routedMessage:
            let topic = try reader.string()
            let replyTo = reader.has(FrameFlags.replyTo) ? try reader.string() : nil
            let headers = try reader.headers()
            let schema = try reader.optionalSchema()
            var groups: [String] = []
            if reader.has(RouteFrameFlags.queueGroups) {
                let count = Int(try reader.integer(UInt16.self))
                // A group takes at least its two length bytes: refuse counts the body cannot hold.
                guard count <= reader.body.readableBytes / 2 else { throw reader.malformed("truncated") }
                groups.reserveCapacity(count)
                for _ in 0..<count { groups.append(try reader.string()) }
            }
            return .message(Message(topic: topic, replyTo: replyTo, headers: headers, schema: schema, queueGroups: groups, payload: reader.payload()))
        case .routedRequest:
            let fields = try reader.requestFields()
            return .request(Request(
                routeRequestID: fields.id, timeoutMilliseconds: fields.timeoutMilliseconds, topic: fields.topic, headers: fields.headers,
                schema: fields.schema, payload: fields.payload
            ))
        case .routedReply:
            let fields = try reader.replyFields()
            return .reply(Reply(routeRequestID: fields.id, code: fields.code, headers: fields.headers, schema: fields.schema, payload: fields.payload))
        case .routedDrops:
            return .drops(Drops(pattern: try reader.string(), count: try reader.integer()))
        case .routeClose:
            guard let reason = Close.Reason(rawValue: try reader.integer()) else { throw reader.malformed("unknown close reason") }
            return .close(Close(reason: reason, message: try reader.string()))
        }
    }
}
