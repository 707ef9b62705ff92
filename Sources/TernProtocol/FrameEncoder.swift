import NIOCore

extension ByteBuffer {
    /// Appends `frame` with its length prefix; returns the number of bytes written.
    ///
    /// On failure nothing is left written.
    @discardableResult
    public mutating func writeFrame(_ frame: Frame) throws(FrameEncodingError) -> Int {
        try writeLengthPrefixed { buffer throws(FrameEncodingError) in try buffer.writeFrameHeaderAndBody(frame) }
    }

    mutating func writeLengthPrefixed(
        _ writeFrame: (inout ByteBuffer) throws(FrameEncodingError) -> Void
    ) throws(FrameEncodingError) -> Int {
        let start = writerIndex
        writeInteger(UInt32(0))
        do {
            try writeFrame(&self)
        } catch {
            moveWriterIndex(to: start)
            throw error
        }
        let length = writerIndex - start - 4
        setInteger(UInt32(length), at: start)
        return length + 4
    }

    private mutating func writeTypeAndFlags(_ type: FrameType, _ flags: UInt8) {
        writeInteger(type.rawValue)
        writeInteger(flags)
    }

    private mutating func writeFrameHeaderAndBody(_ frame: Frame) throws(FrameEncodingError) {
        switch frame {
        case .hello(let hello):
            writeTypeAndFlags(.hello, hello.credentials == nil ? 0 : FrameFlags.credentials)
            writeInteger(hello.minVersion)
            writeInteger(hello.maxVersion)
            try writeShortString(hello.clientName, field: "client name")
            if let credentials = hello.credentials {
                try writeShortString(credentials.user, field: "user")
                try writeShortString(credentials.secret, field: "secret")
            }
        case .welcome(let welcome):
            writeTypeAndFlags(.welcome, 0)
            writeInteger(welcome.version)
            try writeShortString(welcome.serverID, field: "server id")
            writeInteger(welcome.limits.maxFrameLength)
            writeInteger(welcome.limits.maxPayloadLength)
            writeInteger(welcome.limits.maxHeaderBytes)
            writeInteger(welcome.limits.maxTopicLength)
            writeInteger(welcome.limits.maxSubscriptions)
            writeInteger(welcome.features.rawValue)
            writeInteger(welcome.pingIntervalMilliseconds)
        case .publish(let publish):
            let flags = optionalFieldFlags(replyTo: publish.replyTo, headers: publish.headers, schema: publish.schema)
                | (publish.ackID == nil ? 0 : FrameFlags.ack)
            writeTypeAndFlags(.publish, flags)
            if let ackID = publish.ackID { writeInteger(ackID) }
            try writeShortString(publish.topic, field: "topic")
            if let replyTo = publish.replyTo { try writeShortString(replyTo, field: "reply-to") }
            try writeHeaders(publish.headers)
            writeSchemaReference(publish.schema)
            writeImmutableBuffer(publish.payload)
        case .subscribe(let subscribe):
            let flags = (subscribe.queueGroup == nil ? 0 : FrameFlags.queueGroup)
                | (subscribe.isResponder ? FrameFlags.responder : 0)
                | (subscribe.readAs == nil ? 0 : FrameFlags.readAs)
            writeTypeAndFlags(.subscribe, flags)
            writeInteger(subscribe.subscriptionID)
            try writeShortString(subscribe.pattern, field: "pattern")
            if let group = subscribe.queueGroup { try writeShortString(group, field: "queue group") }
            writeSchemaReference(subscribe.readAs)
        case .unsubscribe(let unsubscribe):
            writeTypeAndFlags(.unsubscribe, 0)
            writeInteger(unsubscribe.subscriptionID)
        case .message(let message):
            try writeMessage(
                subscriptionID: message.subscriptionID, topic: message.topic, replyTo: message.replyTo,
                headers: message.headers, schema: message.schema, payload: message.payload
            )
        case .request(let request):
            writeTypeAndFlags(.request, optionalFieldFlags(headers: request.headers, schema: request.schema))
            try writeRequestFields(
                id: request.requestID, timeoutMilliseconds: request.timeoutMilliseconds, topic: request.topic, headers: request.headers,
                schema: request.schema, payload: request.payload
            )
        case .incomingRequest(let request):
            writeTypeAndFlags(.incomingRequest, optionalFieldFlags(headers: request.headers, schema: request.schema))
            writeInteger(request.subscriptionID)
            writeInteger(request.requestID)
            try writeShortString(request.topic, field: "topic")
            try writeHeaders(request.headers)
            writeSchemaReference(request.schema)
            writeImmutableBuffer(request.payload)
        case .reply(let reply):
            writeTypeAndFlags(.reply, optionalFieldFlags(headers: reply.headers, schema: reply.schema))
            try writeReplyFields(id: reply.requestID, code: reply.code, headers: reply.headers, schema: reply.schema, payload: reply.payload)
        case .ack(let ack):
            writeTypeAndFlags(.ack, 0)
            writeInteger(ack.ackID)
            writeInteger(ack.code.rawValue)
            writeMessage(ack.message)
        case .ping(let ping):
            writeTypeAndFlags(.ping, 0)
            writeInteger(ping.token)
        case .pong(let pong):
            writeTypeAndFlags(.pong, 0)
            writeInteger(pong.token)
        case .error(let error):
            writeTypeAndFlags(.error, error.closesConnection ? FrameFlags.close : 0)
            writeInteger(error.code.rawValue)
            writeInteger(error.subject.rawValue)
            writeInteger(error.id)
            writeMessage(error.message)
        case .dropNotice(let notice):
            writeTypeAndFlags(.dropNotice, 0)
            writeInteger(notice.subscriptionID)
            writeInteger(notice.reason.rawValue)
            writeInteger(notice.count)
        case .goodbye(let goodbye):
            writeTypeAndFlags(.goodbye, 0)
            writeInteger(goodbye.code.rawValue)
            writeMessage(goodbye.message)
        case .lameDuck(let lameDuck):
            writeTypeAndFlags(.lameDuck, 0)
            writeInteger(lameDuck.durationMilliseconds)
        case .servers(let servers):
            writeTypeAndFlags(.servers, 0)
            guard let count = UInt16(exactly: servers.addresses.count) else {
                throw FrameEncodingError(field: "the address count", length: servers.addresses.count, limit: Int(UInt16.max))
            }
            writeInteger(count)
            for address in servers.addresses { try writeShortString(address, field: "address") }
        case .registerSchema(let register):
            writeTypeAndFlags(.registerSchema, 0)
            writeInteger(register.operationID)
            try writeShortString(register.subject, field: "subject")
            writeText(register.definition)
        case .getSchema(let get):
            writeTypeAndFlags(.getSchema, 0)
            writeInteger(get.operationID)
            try writeShortString(get.subject, field: "subject")
            writeInteger(get.version)
        case .listSchemas(let list):
            writeTypeAndFlags(.listSchemas, 0)
            writeInteger(list.operationID)
            try writeShortString(list.subject, field: "subject")
        case .setCompatibility(let set):
            writeTypeAndFlags(.setCompatibility, 0)
            writeInteger(set.operationID)
            try writeShortString(set.subject, field: "subject")
            writeInteger(set.mode.rawValue)
        case .bindTopic(let bind):
            writeTypeAndFlags(.bindTopic, 0)
            writeInteger(bind.operationID)
            try writeShortString(bind.topic, field: "topic")
            try writeShortString(bind.subject, field: "subject")
        case .checkSchema(let check):
            writeTypeAndFlags(.checkSchema, 0)
            writeInteger(check.operationID)
            try writeShortString(check.subject, field: "subject")
            writeText(check.definition)
        case .schemaInfo(let info):
            writeTypeAndFlags(.schemaInfo, 0)
            writeInteger(info.operationID)
            try writeShortString(info.subject, field: "subject")
            writeSchemaReference(info.reference)
            writeInteger(info.fingerprint)
            writeInteger(info.mode.rawValue)
            writeText(info.definition)
        case .schemaList(let list):
            writeTypeAndFlags(.schemaList, 0)
            writeInteger(list.operationID)
            writeInteger(UInt32(list.entries.count))
            for entry in list.entries {
                try writeShortString(entry.subject, field: "subject")
                writeInteger(entry.subjectID)
                writeInteger(entry.mode.rawValue)
                writeInteger(UInt32(entry.versions.count))
                for version in entry.versions { writeInteger(version) }
            }
        case .registryResult(let result):
            writeTypeAndFlags(.registryResult, 0)
            writeInteger(result.operationID)
            writeInteger(result.code.rawValue)
            writeText(result.message)
        case .unknown(let unknown):
            writeInteger(unknown.type)
            writeInteger(unknown.flags)
            writeImmutableBuffer(unknown.body)
        }
    }

    /// Appends a MESSAGE frame without building a ``Frame/Message`` first: the broker's fan-out
    /// path. Returns the bytes written.
    @discardableResult
    public mutating func writeMessageFrame(
        subscriptionID: UInt32, topic: String, replyTo: String?, headers: Headers, schema: SchemaReference?, payload: ByteBuffer
    ) throws(FrameEncodingError) -> Int {
        if headers.isEmpty {
            return try writeTopicFrame(.message(subscriptionID: subscriptionID, schema: schema), topic: topic, replyTo: replyTo, payload: payload)
        }
        return try writeLengthPrefixed { buffer throws(FrameEncodingError) in
            try buffer.writeMessage(
                subscriptionID: subscriptionID, topic: topic, replyTo: replyTo, headers: headers, schema: schema, payload: payload
            )
        }
    }

    private mutating func writeMessage(
        subscriptionID: UInt32, topic: String, replyTo: String?, headers: Headers, schema: SchemaReference?, payload: ByteBuffer
    ) throws(FrameEncodingError) {
        writeTypeAndFlags(.message, optionalFieldFlags(replyTo: replyTo, headers: headers, schema: schema))
        writeInteger(subscriptionID)
        try writeShortString(topic, field: "topic")
        if let replyTo { try writeShortString(replyTo, field: "reply-to") }
        try writeHeaders(headers)
        writeSchemaReference(schema)
        writeImmutableBuffer(payload)
    }
}
