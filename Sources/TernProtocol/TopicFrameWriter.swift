import NIOCore

/// The fixed part of a PUBLISH or MESSAGE frame without headers: everything before the payload,
/// written into the buffer's memory in one pass instead of one bounds-checked write per field.
///
/// These two frames are the broker's per-message traffic, so their encoding is on the hot path
/// of every delivery; frames with headers take the general encoder. The head holds no strings:
/// the topic and reply-to are borrowed by each call, so writing a frame counts no references.
struct TopicFrameHead {
    let type: FrameType
    /// The flags besides those of the optional fields, which each frame's strings and ``schema`` set.
    let flags: UInt8
    /// The subscription id of a MESSAGE or the ack id of a PUBLISH, if any.
    let id: UInt64
    /// 0, 4 or 8 bytes.
    let idWidth: Int
    let schema: SchemaReference?

    /// A head with `flags` besides those of its optional fields; the id is `idWidth` bytes, or
    /// absent when `nil`.
    private init(type: FrameType, flags: UInt8, id: UInt64?, idWidth: Int, schema: SchemaReference?) {
        self.type = type
        self.flags = flags
        self.id = id ?? 0
        self.idWidth = id == nil ? 0 : idWidth
        self.schema = schema
    }

    /// The head of a PUBLISH without headers.
    static func publish(ackID: UInt64?, schema: SchemaReference?) -> TopicFrameHead {
        TopicFrameHead(type: .publish, flags: ackID == nil ? 0 : FrameFlags.ack, id: ackID, idWidth: 8, schema: schema)
    }

    /// The head of a MESSAGE without headers.
    static func message(subscriptionID: UInt32, schema: SchemaReference?) -> TopicFrameHead {
        TopicFrameHead(type: .message, flags: 0, id: UInt64(subscriptionID), idWidth: 4, schema: schema)
    }

    /// The bytes of the head after the length prefix, with these strings.
    func byteCount(topic: String, replyTo: String?) -> Int {
        2 + idWidth + 2 + topic.utf8.count + (replyTo.map { 2 + $0.utf8.count } ?? 0) + (schema == nil ? 0 : 8)
    }

    /// Checks the lengths the protocol limits; returns ``byteCount(topic:replyTo:)``.
    func validate(topic: String, replyTo: String?, payloadLength: Int) throws(FrameEncodingError) -> Int {
        let byteCount = byteCount(topic: topic, replyTo: replyTo)
        let bodyLength = byteCount + payloadLength
        if bodyLength > UInt32.max { throw FrameEncodingError(field: "frame", length: bodyLength, limit: Int(UInt32.max)) }
        let topicLength = topic.utf8.count
        if topicLength > UInt16.max { throw FrameEncodingError(field: "topic", length: topicLength, limit: Int(UInt16.max)) }
        if let replyTo, replyTo.utf8.count > UInt16.max {
            throw FrameEncodingError(field: "reply-to", length: replyTo.utf8.count, limit: Int(UInt16.max))
        }
        return byteCount
    }

    /// Stores the length prefix (`byteCount` bytes of head and `payloadLength` more after it)
    /// and the head at the start of `memory`, which holds at least `4 + byteCount` bytes.
    func store(into memory: UnsafeMutableRawBufferPointer, topic: String, replyTo: String?, byteCount: Int, payloadLength: Int) {
        var offset = 0
        func store<Integer: FixedWidthInteger>(_ value: Integer) {
            memory.storeBytes(of: value.bigEndian, toByteOffset: offset, as: Integer.self)
            offset += MemoryLayout<Integer>.size
        }
        func store(_ string: String) {
            let length = string.utf8.count
            store(UInt16(length))
            UnsafeMutableRawBufferPointer(rebasing: memory[offset..<offset + length]).copyBytes(from: string.utf8)
            offset += length
        }
        store(UInt32(byteCount + payloadLength))
        store(type.rawValue)
        store(flags | optionalFieldFlags(replyTo: replyTo, headers: Headers(), schema: schema))
        switch idWidth {
        case 4: store(UInt32(truncatingIfNeeded: id))
        case 8: store(id)
        default: break
        }
        store(topic)
        if let replyTo { store(replyTo) }
        if let schema {
            store(schema.subjectID)
            store(schema.version)
        }
    }
}

extension ByteBuffer {
    /// Appends a headerless topic frame: its head and, in the same pass, `payload`. Returns the
    /// bytes written.
    mutating func writeTopicFrame(_ head: TopicFrameHead, topic: String, replyTo: String?, payload: ByteBuffer) throws(FrameEncodingError) -> Int {
        let byteCount = try head.validate(topic: topic, replyTo: replyTo, payloadLength: payload.readableBytes)
        let total = 4 + byteCount + payload.readableBytes
        return writeWithUnsafeMutableBytes(minimumWritableBytes: total) { memory in
            head.store(into: memory, topic: topic, replyTo: replyTo, byteCount: byteCount, payloadLength: payload.readableBytes)
            payload.withUnsafeReadableBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: memory[(total - bytes.count)...]).copyMemory(from: bytes)
            }
            return total
        }
    }

    /// Appends a PUBLISH frame of `payload`: without headers, its head and payload in one pass.
    /// Returns the bytes written; on a throw nothing is written.
    @discardableResult
    public mutating func writePublishFrame(
        topic: String, ackID: UInt64?, replyTo: String? = nil, headers: Headers = [:], schema: SchemaReference? = nil, payload: ByteBuffer
    ) throws(FrameEncodingError) -> Int {
        guard headers.isEmpty else {
            return try writeFrame(.publish(Frame.Publish(topic: topic, ackID: ackID, replyTo: replyTo, headers: headers, schema: schema, payload: payload)))
        }
        return try writeTopicFrame(.publish(ackID: ackID, schema: schema), topic: topic, replyTo: replyTo, payload: payload)
    }

    /// Appends the length prefix and head of a PUBLISH frame whose payload, `payloadLength` bytes,
    /// the caller writes right after. On a throw nothing is written.
    public mutating func writePublishFrameHead(
        topic: String, ackID: UInt64?, replyTo: String? = nil, headers: Headers = [:], schema: SchemaReference? = nil, payloadLength: Int
    ) throws(FrameEncodingError) {
        guard headers.isEmpty else {
            let start = writerIndex
            let publish = Frame.Publish(topic: topic, ackID: ackID, replyTo: replyTo, headers: headers, schema: schema, payload: ByteBuffer())
            let headLength = try writeFrame(.publish(publish)) - 4
            setInteger(UInt32(headLength + payloadLength), at: start)
            return
        }
        let head = TopicFrameHead.publish(ackID: ackID, schema: schema)
        let byteCount = try head.validate(topic: topic, replyTo: replyTo, payloadLength: payloadLength)
        let count = 4 + byteCount
        writeWithUnsafeMutableBytes(minimumWritableBytes: count) { memory in
            head.store(into: memory, topic: topic, replyTo: replyTo, byteCount: byteCount, payloadLength: payloadLength)
            return count
        }
    }
}
