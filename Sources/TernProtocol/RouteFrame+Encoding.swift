import NIOCore

extension ByteBuffer {
    /// Appends a route frame with its length prefix; returns the number of bytes written.
    ///
    /// On failure nothing is left written.
    @discardableResult
    public mutating func writeRouteFrame(_ frame: RouteFrame) throws(FrameEncodingError) -> Int {
        switch frame {
        case .ping(let ping): return try writeFrame(.ping(ping))
        case .pong(let pong): return try writeFrame(.pong(pong))
        case .goodbye(let goodbye): return try writeFrame(.goodbye(goodbye))
        default: return try writeLengthPrefixed { buffer throws(FrameEncodingError) in try buffer.writeRouteFrameBody(frame) }
        }
    }

    private mutating func writeRouteTypeAndFlags(_ type: RouteFrameType, _ flags: UInt8) {
        writeInteger(type.rawValue)
        writeInteger(flags)
    }

    private mutating func writeRouteFrameBody(_ frame: RouteFrame) throws(FrameEncodingError) {
        switch frame {
        case .hello(let hello):
            writeRouteTypeAndFlags(.routeHello, 0)
            writeInteger(hello.version)
            try writeShortString(hello.cluster, field: "cluster")
            try writeShortString(hello.memberID, field: "member id")
            writeInteger(hello.maxFrameLength)
        case .interest(let interest):
            let flags = (interest.queueGroup == nil ? 0 : RouteFrameFlags.queueGroup) | (interest.isResponder ? RouteFrameFlags.responder : 0)
            writeRouteTypeAndFlags(.interest, flags)
            try writeShortString(interest.pattern, field: "pattern")
            if let group = interest.queueGroup { try writeShortString(group, field: "queue group") }
            writeInteger(interest.count)
        case .interestSynced:
            writeRouteTypeAndFlags(.interestSynced, 0)
        case .message(let message):
            let flags = optionalFieldFlags(replyTo: message.replyTo, headers: message.headers, schema: message.schema)
                | (message.queueGroups.isEmpty ? 0 : RouteFrameFlags.queueGroups)
            writeRouteTypeAndFlags(.routedMessage, flags)
            try writeShortString(message.topic, field: "topic")
            if let replyTo = message.replyTo { try writeShortString(replyTo, field: "reply-to") }
            try writeHeaders(message.headers)
            writeSchemaReference(message.schema)
            if !message.queueGroups.isEmpty {
                guard let count = UInt16(exactly: message.queueGroups.count) else {
                    throw FrameEncodingError(field: "the queue group count", length: message.queueGroups.count, limit: Int(UInt16.max))
                }
                writeInteger(count)
                for group in message.queueGroups { try writeShortString(group, field: "queue group") }
            }
            writeImmutableBuffer(message.payload)
        case .request(let request):
            writeRouteTypeAndFlags(.routedRequest, optionalFieldFlags(headers: request.headers, schema: request.schema))
            try writeRequestFields(
                id: request.routeRequestID, timeoutMilliseconds: request.timeoutMilliseconds, topic: request.topic, headers: request.headers,
                schema: request.schema, payload: request.payload
            )
        case .reply(let reply):
            writeRouteTypeAndFlags(.routedReply, optionalFieldFlags(headers: reply.headers, schema: reply.schema))
            try writeReplyFields(id: reply.routeRequestID, code: reply.code, headers: reply.headers, schema: reply.schema, payload: reply.payload)
        case .drops(let drops):
            writeRouteTypeAndFlags(.routedDrops, 0)
            try writeShortString(drops.pattern, field: "pattern")
            writeInteger(drops.count)
        case .close(let close):
            writeRouteTypeAndFlags(.routeClose, 0)
            writeInteger(close.reason.rawValue)
            writeMessage(close.message)
        case .ping, .pong, .goodbye:
            preconditionFailure("client frames are written by writeFrame")
        }
    }
}
