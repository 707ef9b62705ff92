import NIOCore

extension Frame {
    /// Parses one frame's body, given the type and flags that precede it.
    ///
    /// An unknown type yields ``Frame/unknown(_:)``; a known type whose body does not follow its
    /// layout, sets a reserved flag or has bytes after its last field throws.
    public init(type rawType: UInt8, flags: UInt8, body: ByteBuffer) throws(FrameDecodingError) {
        var recentTopic: String?
        try self.init(type: rawType, flags: flags, body: body, recentTopic: &recentTopic)
    }

    /// Parses one frame's body; a PUBLISH or MESSAGE topic equal to `recentTopic` reuses that
    /// string instead of allocating a new one, and a new topic replaces it.
    init(type rawType: UInt8, flags: UInt8, body: ByteBuffer, recentTopic: inout String?) throws(FrameDecodingError) {
        guard let type = FrameType(rawValue: rawType) else {
            self = .unknown(Unknown(type: rawType, flags: flags, body: body))
            return
        }
        self = try Self.decode(type, flags: flags, body: body, recentTopic: &recentTopic) { reader throws(FrameDecodingError) in
            try Frame.decodeBody(of: type, from: &reader)
        }
    }

    /// Reads the body of a frame of a known `type` with `read`: its flags checked, its topic
    /// reused as `recentTopic` allows, and nothing left after its last field.
    static func decode<Body>(
        _ type: FrameType, flags: UInt8, body: ByteBuffer, recentTopic: inout String?,
        with read: (inout FrameBodyReader) throws(FrameDecodingError) -> Body
    ) throws(FrameDecodingError) -> Body {
        guard flags & ~FrameFlags.defined(for: type) == 0 else {
            throw .malformed(type: type, reason: "reserved flag bits set")
        }
        var reader = FrameBodyReader(type: type, flags: flags, body: body, recentTopic: recentTopic)
        let decoded = try read(&reader)
        recentTopic = reader.recentTopic
        if !endsWithPayload(type) {
            try reader.finish()
        }
        return decoded
    }

    private static func endsWithPayload(_ type: FrameType) -> Bool {
        switch type {
        case .publish, .message, .request, .incomingRequest, .reply: true
        default: false
        }
    }

    private static func decodeBody(of type: FrameType, from reader: inout FrameBodyReader) throws(FrameDecodingError) -> Frame {
        switch type {
        case .hello:
            let minVersion: UInt16 = try reader.integer()
            let maxVersion: UInt16 = try reader.integer()
            let name = try reader.string()
            let credentials = reader.has(FrameFlags.credentials)
                ? Hello.Credentials(user: try reader.string(), secret: try reader.string()) : nil
            return .hello(Hello(minVersion: minVersion, maxVersion: maxVersion, clientName: name, credentials: credentials))
        case .welcome:
            let version: UInt16 = try reader.integer()
            let serverID = try reader.string()
            let limits = Limits(
                maxFrameLength: try reader.integer(), maxPayloadLength: try reader.integer(),
                maxHeaderBytes: try reader.integer(), maxTopicLength: try reader.integer(),
                maxSubscriptions: try reader.integer()
            )
            let features = Features(rawValue: try reader.integer())
            return .welcome(Welcome(version: version, serverID: serverID, limits: limits, features: features, pingIntervalMilliseconds: try reader.integer()))
        case .publish:
            return .publish(try Publish.read(from: &reader))
        case .subscribe:
            let id: UInt32 = try reader.integer()
            let pattern = try reader.string()
            let group = reader.has(FrameFlags.queueGroup) ? try reader.string() : nil
            let readAs = reader.has(FrameFlags.readAs) ? try reader.schemaReference() : nil
            return .subscribe(Subscribe(subscriptionID: id, pattern: pattern, queueGroup: group, isResponder: reader.has(FrameFlags.responder), readAs: readAs))
        case .unsubscribe:
            return .unsubscribe(Unsubscribe(subscriptionID: try reader.integer()))
        case .message:
            return .message(try Message.read(from: &reader))
        case .request:
            let fields = try reader.requestFields()
            return .request(Request(
                requestID: fields.id, topic: fields.topic, timeoutMilliseconds: fields.timeoutMilliseconds, headers: fields.headers, schema: fields.schema,
                payload: fields.payload
            ))
        case .incomingRequest:
            let subscriptionID: UInt32 = try reader.integer()
            let requestID: UInt64 = try reader.integer()
            let topic = try reader.string()
            let headers = try reader.headers()
            let schema = try reader.optionalSchema()
            return .incomingRequest(IncomingRequest(subscriptionID: subscriptionID, requestID: requestID, topic: topic, headers: headers, schema: schema, payload: reader.payload()))
        case .reply:
            let fields = try reader.replyFields()
            return .reply(Reply(requestID: fields.id, code: fields.code, headers: fields.headers, schema: fields.schema, payload: fields.payload))
        case .ack:
            return .ack(Ack(ackID: try reader.integer(), code: try reader.errorCode(), message: try reader.string()))
        case .ping:
            return .ping(Ping(token: try reader.integer()))
        case .pong:
            return .pong(Ping(token: try reader.integer()))
        case .error:
            let code = try reader.errorCode()
            guard let subject = Error.Subject(rawValue: try reader.integer()) else { throw reader.malformed("unknown error subject") }
            let id: UInt64 = try reader.integer()
            return .error(Error(code: code, subject: subject, id: id, message: try reader.string(), closesConnection: reader.has(FrameFlags.close)))
        case .dropNotice:
            let id: UInt32 = try reader.integer()
            guard let reason = DropNotice.Reason(rawValue: try reader.integer()) else { throw reader.malformed("unknown drop reason") }
            return .dropNotice(DropNotice(subscriptionID: id, reason: reason, count: try reader.integer()))
        case .goodbye:
            return .goodbye(Goodbye(code: try reader.errorCode(), message: try reader.string()))
        case .lameDuck:
            return .lameDuck(LameDuck(durationMilliseconds: try reader.integer()))
        case .servers:
            let count = Int(try reader.integer(UInt16.self))
            // An address takes at least its two length bytes: refuse counts the body cannot hold.
            guard count <= reader.body.readableBytes / 2 else { throw reader.malformed("truncated") }
            var addresses: [String] = []
            addresses.reserveCapacity(count)
            for _ in 0..<count { addresses.append(try reader.string()) }
            return .servers(Servers(addresses: addresses))
        case .registerSchema:
            return .registerSchema(RegisterSchema(operationID: try reader.integer(), subject: try reader.string(), definition: try reader.text()))
        case .getSchema:
            return .getSchema(GetSchema(operationID: try reader.integer(), subject: try reader.string(), version: try reader.integer()))
        case .listSchemas:
            return .listSchemas(ListSchemas(operationID: try reader.integer(), subject: try reader.string()))
        case .setCompatibility:
            return .setCompatibility(SetCompatibility(operationID: try reader.integer(), subject: try reader.string(), mode: try reader.compatibilityMode()))
        case .bindTopic:
            return .bindTopic(BindTopic(operationID: try reader.integer(), topic: try reader.string(), subject: try reader.string()))
        case .checkSchema:
            return .checkSchema(CheckSchema(operationID: try reader.integer(), subject: try reader.string(), definition: try reader.text()))
        case .schemaInfo:
            return .schemaInfo(SchemaInfo(
                operationID: try reader.integer(), subject: try reader.string(), reference: try reader.schemaReference(),
                fingerprint: try reader.integer(), mode: try reader.compatibilityMode(), definition: try reader.text()
            ))
        case .schemaList:
            return .schemaList(try decodeSchemaList(from: &reader))
        case .registryResult:
            return .registryResult(RegistryResult(operationID: try reader.integer(), code: try reader.errorCode(), message: try reader.text()))
        }
    }

    private static func decodeSchemaList(from reader: inout FrameBodyReader) throws(FrameDecodingError) -> SchemaList {
        let operationID: UInt64 = try reader.integer()
        let count = Int(try reader.integer(UInt32.self))
        // An entry takes at least eleven bytes: refuse counts the body cannot hold.
        guard count <= reader.body.readableBytes / 11 else { throw reader.malformed("truncated") }
        var entries: [SchemaList.Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let subject = try reader.string()
            let subjectID: UInt32 = try reader.integer()
            let mode = try reader.compatibilityMode()
            let versionCount = Int(try reader.integer(UInt32.self))
            guard versionCount <= reader.body.readableBytes / 4 else { throw reader.malformed("truncated") }
            var versions: [UInt32] = []
            versions.reserveCapacity(versionCount)
            for _ in 0..<versionCount { versions.append(try reader.integer()) }
            entries.append(SchemaList.Entry(subject: subject, subjectID: subjectID, mode: mode, versions: versions))
        }
        return SchemaList(operationID: operationID, entries: entries)
    }
}

extension Frame.Publish: DirectlyDecodableFrame {
    static var frameType: FrameType { .publish }

    static func read(from reader: inout FrameBodyReader) throws(FrameDecodingError) -> Self {
        let ackID: UInt64? = reader.has(FrameFlags.ack) ? try reader.integer() : nil
        let topic = try reader.topic()
        let replyTo = reader.has(FrameFlags.replyTo) ? try reader.string() : nil
        let headers = try reader.headers()
        let schema = try reader.optionalSchema()
        return Self(payload: reader.payload(), topic: topic, ackID: ackID, replyTo: replyTo, headers: headers, schema: schema)
    }

    static func readCommonForm(from buffer: ByteBuffer, frameLength: Int, recentTopic: inout String?) -> Self? {
        TopicFrameLayout.read(.publish, from: buffer, frameLength: frameLength, idWidth: 8, idFlag: FrameFlags.ack, recentTopic: &recentTopic) {
            layout, topic, replyTo, payload in
            Self(
                payload: payload, topic: topic, ackID: layout.flags & FrameFlags.ack == 0 ? nil : layout.id, replyTo: replyTo, headers: [:],
                schema: layout.schema
            )
        }
    }
}

extension Frame.Message: DirectlyDecodableFrame {
    static var frameType: FrameType { .message }

    static func read(from reader: inout FrameBodyReader) throws(FrameDecodingError) -> Self {
        let id: UInt32 = try reader.integer()
        let topic = try reader.topic()
        let replyTo = reader.has(FrameFlags.replyTo) ? try reader.string() : nil
        let headers = try reader.headers()
        let schema = try reader.optionalSchema()
        return Self(payload: reader.payload(), subscriptionID: id, topic: topic, replyTo: replyTo, headers: headers, schema: schema)
    }

    static func readCommonForm(from buffer: ByteBuffer, frameLength: Int, recentTopic: inout String?) -> Self? {
        TopicFrameLayout.read(.message, from: buffer, frameLength: frameLength, idWidth: 4, idFlag: 0, recentTopic: &recentTopic) {
            layout, topic, replyTo, payload in
            Self(
                payload: payload, subscriptionID: UInt32(truncatingIfNeeded: layout.id), topic: topic, replyTo: replyTo, headers: [:],
                schema: layout.schema
            )
        }
    }
}
