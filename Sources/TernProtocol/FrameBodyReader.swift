import NIOCore

/// Reads the fields of one frame's body, failing with a typed error instead of trapping.
struct FrameBodyReader {
    /// What kind of frame this is: a client frame or a route frame (CLUSTER.md), for errors.
    enum Kind {
        case client(FrameType)
        case route(RouteFrameType)
    }

    let kind: Kind
    let flags: UInt8
    var body: ByteBuffer
    /// The topic of the previous PUBLISH or MESSAGE, reused when the next one names it again.
    var recentTopic: String? = nil

    func has(_ flag: UInt8) -> Bool {
        flags & flag != 0
    }

    init(type: FrameType, flags: UInt8, body: ByteBuffer, recentTopic: String?) {
        self.kind = .client(type)
        self.flags = flags
        self.body = body
        self.recentTopic = recentTopic
    }

    init(routeType: RouteFrameType, flags: UInt8, body: ByteBuffer) {
        self.kind = .route(routeType)
        self.flags = flags
        self.body = body
    }

    func malformed(_ reason: String) -> FrameDecodingError {
        switch kind {
        case .client(let type): .malformed(type: type, reason: reason)
        case .route(let type): .malformedRouteFrame(type: type, reason: reason)
        }
    }

    mutating func integer<Integer: FixedWidthInteger>(_: Integer.Type = Integer.self) throws(FrameDecodingError) -> Integer {
        guard let value = body.readInteger(as: Integer.self) else { throw malformed("truncated") }
        return value
    }

    /// A `str`: a `UInt16` length and that many bytes of UTF-8.
    mutating func string() throws(FrameDecodingError) -> String {
        try utf8(length: Int(integer(UInt16.self)))
    }

    /// A topic `str`: ``recentTopic`` itself when the bytes spell it, so a stream of frames to one
    /// topic allocates and validates its name once.
    mutating func topic() throws(FrameDecodingError) -> String {
        let length = Int(try integer(UInt16.self))
        guard length <= body.readableBytes else { throw malformed("truncated") }
        if let recent = recentTopic, body.spells(recent, at: body.readerIndex..<body.readerIndex + length) {
            body.moveReaderIndex(forwardBy: length)
            return recent
        }
        let topic = try utf8(length: length)
        recentTopic = topic
        return topic
    }

    /// A `text`: a `UInt32` length and that many bytes of UTF-8.
    mutating func text() throws(FrameDecodingError) -> String {
        try utf8(length: Int(integer(UInt32.self)))
    }

    private mutating func utf8(length: Int) throws(FrameDecodingError) -> String {
        guard length <= body.readableBytes else { throw malformed("truncated") }
        let decoded = body.withUnsafeReadableBytes { bytes -> String? in
            let field = UnsafeRawBufferPointer(rebasing: bytes[0..<length])
            // ASCII, what topics nearly always are, is valid UTF-8 as it stands and is decoded
            // without the generic validation, which looks type metadata up on every call.
            if field.allSatisfy({ $0 < 0x80 }) { return String(decoding: field, as: UTF8.self) }
            return String(validating: field, as: UTF8.self)
        }
        guard let decoded else { throw malformed("invalid UTF-8") }
        body.moveReaderIndex(forwardBy: length)
        return decoded
    }

    mutating func headers() throws(FrameDecodingError) -> Headers {
        guard has(FrameFlags.headers) else { return [:] }
        let count = Int(try integer(UInt16.self))
        // Each header takes at least four bytes, so a count the body cannot hold is refused
        // before anything is reserved for it.
        guard count * 4 <= body.readableBytes else { throw malformed("truncated") }
        var fields: [Headers.Field] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            let name = try string()
            guard Headers.isValidName(name) else { throw malformed("invalid header name") }
            fields.append(Headers.Field(name: name, value: try string()))
        }
        return Headers(fields)
    }

    mutating func schemaReference() throws(FrameDecodingError) -> SchemaReference {
        SchemaReference(subjectID: try integer(), version: try integer())
    }

    mutating func optionalSchema() throws(FrameDecodingError) -> SchemaReference? {
        has(FrameFlags.schema) ? try schemaReference() : nil
    }

    mutating func compatibilityMode() throws(FrameDecodingError) -> CompatibilityMode {
        guard let mode = CompatibilityMode(rawValue: try integer()) else { throw malformed("unknown compatibility mode") }
        return mode
    }

    mutating func errorCode() throws(FrameDecodingError) -> ErrorCode {
        ErrorCode(rawValue: try integer())
    }

    /// The fields of a REQUEST, and of a ROUTED_REQUEST, which has its layout.
    mutating func requestFields() throws(FrameDecodingError)
        -> (id: UInt64, timeoutMilliseconds: UInt32, topic: String, headers: Headers, schema: SchemaReference?, payload: ByteBuffer)
    {
        let id: UInt64 = try integer()
        let timeout: UInt32 = try integer()
        let topic = try string()
        let headers = try headers()
        let schema = try optionalSchema()
        return (id, timeout, topic, headers, schema, payload())
    }

    /// The fields of a REPLY, and of a ROUTED_REPLY, which has its layout.
    mutating func replyFields() throws(FrameDecodingError) -> (id: UInt64, code: ErrorCode, headers: Headers, schema: SchemaReference?, payload: ByteBuffer) {
        let id: UInt64 = try integer()
        let code = try errorCode()
        let headers = try headers()
        let schema = try optionalSchema()
        return (id, code, headers, schema, payload())
    }

    /// The rest of the body: a payload shares the frame's storage instead of copying it.
    mutating func payload() -> ByteBuffer {
        body.readSlice(length: body.readableBytes)!
    }

    /// Fails when bytes remain after the last field of a frame that has no payload.
    func finish() throws(FrameDecodingError) {
        guard body.readableBytes == 0 else { throw malformed("\(body.readableBytes) unexpected trailing bytes") }
    }
}
