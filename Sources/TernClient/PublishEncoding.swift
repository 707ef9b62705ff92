import NIOCore
import TernProtocol

/// What a publish carries.
enum PublishPayload {
    /// Bytes in a buffer: written with the frame's head in one pass.
    case buffer(ByteBuffer)
    case string(String)
    case bytes([UInt8])
}

/// Checks what the client sends (publishes, requests, replies) against the broker's limits and
/// encodes its frames.
struct PublishEncoding {
    let limits: Limits

    /// Why `topic` cannot be published to, as a client error; `nil` when it can.
    func validate(topic: String) -> TernClientError? {
        TopicSyntax.problem(withTopic: topic, maxLength: Int(limits.maxTopicLength)).map { .invalidTopic(reason: $0) }
    }

    /// Why `headers` cannot be sent, as a client error; `nil` when they can.
    func validate(headers: Headers) -> TernClientError? {
        guard !headers.isEmpty else { return nil }
        var total = 0
        for field in headers {
            guard Headers.isValidName(field.name) else {
                return .invalidHeaders(reason: "'\(field.name)' is not a valid header name")
            }
            let valueLength = field.value.utf8.count
            guard valueLength <= UInt16.max else {
                return .invalidHeaders(reason: "the value of '\(field.name)' is \(valueLength) bytes, more than \(UInt16.max)")
            }
            total += field.name.utf8.count + valueLength
        }
        guard total <= limits.maxHeaderBytes else {
            return .invalidHeaders(reason: "\(total) bytes of headers, more than the broker's limit of \(limits.maxHeaderBytes)")
        }
        return nil
    }

    /// Appends one PUBLISH frame of `payload`, tagged with `schema` when given, after validating
    /// the topic (unless it equals `validatedTopic`) and the headers. On a throw nothing is
    /// appended.
    func append(
        to buffer: inout ByteBuffer,
        topic: String,
        headers: Headers,
        schema: SchemaReference? = nil,
        ackID: UInt64?,
        validatedTopic: inout String?,
        payload: PublishPayload
    ) throws(TernClientError) {
        if topic != validatedTopic {
            if let problem = validate(topic: topic) { throw problem }
            validatedTopic = topic
        }
        if let problem = validate(headers: headers) { throw problem }
        switch payload {
        case .buffer(let bytes):
            // Head and payload in one pass, as the broker writes a MESSAGE.
            let start = buffer.writerIndex
            do {
                try buffer.writePublishFrame(topic: topic, ackID: ackID, headers: headers, schema: schema, payload: bytes)
            } catch {
                throw .invalidHeaders(reason: error.description)
            }
            try checkLimits(of: &buffer, frameStart: start, payloadStart: buffer.writerIndex - bytes.readableBytes)
        case .string(let text):
            try appendPublish(to: &buffer, topic: topic, headers: headers, schema: schema, ackID: ackID) { $0.writeString(text) }
        case .bytes(let bytes):
            try appendPublish(to: &buffer, topic: topic, headers: headers, schema: schema, ackID: ackID) { $0.writeBytes(bytes) }
        }
    }

    /// Appends one PUBLISH frame whose payload `writePayload` writes after the head.
    private func appendPublish(
        to buffer: inout ByteBuffer, topic: String, headers: Headers, schema: SchemaReference?, ackID: UInt64?,
        writePayload: (inout ByteBuffer) -> Void
    ) throws(TernClientError) {
        try append(to: &buffer, writePayload: writePayload) { buffer throws(FrameEncodingError) in
            // The real length is set once the payload is written.
            try buffer.writePublishFrameHead(topic: topic, ackID: ackID, headers: headers, schema: schema, payloadLength: 0)
        }
    }

    /// Appends one REQUEST frame whose payload `writePayload` writes, after validating the topic
    /// and the headers. On a throw nothing is appended.
    func appendRequest(
        to buffer: inout ByteBuffer,
        id: UInt64,
        topic: String,
        timeoutMilliseconds: UInt32,
        headers: Headers,
        writePayload: (inout ByteBuffer) -> Void
    ) throws(TernClientError) {
        if let problem = validate(topic: topic) ?? validate(headers: headers) { throw problem }
        let request = Frame.Request(
            requestID: id, topic: topic, timeoutMilliseconds: timeoutMilliseconds, headers: headers, payload: Self.emptyPayload
        )
        try append(to: &buffer, writePayload: writePayload) { buffer throws(FrameEncodingError) in try buffer.writeFrame(.request(request)) }
    }

    /// The REPLY frame for `reply`; a reply the broker would refuse (headers or payload beyond
    /// its limits) becomes a ``ErrorCode/handlerFailed`` reply that says why.
    func encode(_ reply: Frame.Reply) -> ByteBuffer {
        var buffer = ByteBuffer()
        do {
            if let problem = validate(headers: reply.headers) { throw problem }
            var empty = reply
            empty.payload = Self.emptyPayload
            try append(to: &buffer, writePayload: { $0.writeImmutableBuffer(reply.payload) }) { buffer throws(FrameEncodingError) in
                try buffer.writeFrame(.reply(empty))
            }
        } catch {
            let failure = Frame.Reply(
                requestID: reply.requestID, code: .handlerFailed, payload: ByteBuffer(string: "the reply could not be sent: \(error)")
            )
            // Without headers and with a short message, this frame is within any limits.
            _ = try? buffer.writeFrame(.reply(failure))
        }
        return buffer
    }

    /// Appends the frame whose fields up to an empty payload `writeHead` writes, with the payload
    /// `writePayload` writes after them. On a throw nothing is appended.
    private func append(
        to buffer: inout ByteBuffer,
        writePayload: (inout ByteBuffer) -> Void,
        head writeHead: (inout ByteBuffer) throws(FrameEncodingError) -> Void
    ) throws(TernClientError) {
        let start = buffer.writerIndex
        do {
            try writeHead(&buffer)
        } catch {
            throw .invalidHeaders(reason: error.description)
        }
        // The payload is the frame's last field: write it in place and fix the length prefix.
        let payloadStart = buffer.writerIndex
        writePayload(&buffer)
        try checkLimits(of: &buffer, frameStart: start, payloadStart: payloadStart)
        buffer.setInteger(UInt32(buffer.writerIndex - start - 4), at: start)
    }

    /// Checks the frame written from `frameStart`, whose payload starts at `payloadStart`,
    /// against the broker's limits; removes it and throws when it exceeds them.
    private func checkLimits(of buffer: inout ByteBuffer, frameStart start: Int, payloadStart: Int) throws(TernClientError) {
        let payloadLength = buffer.writerIndex - payloadStart
        let frameLength = buffer.writerIndex - start - 4
        guard payloadLength <= limits.maxPayloadLength, frameLength <= limits.maxFrameLength else {
            buffer.moveWriterIndex(to: start)
            let overhead = payloadStart - start - 4
            let limit = min(Int(limits.maxPayloadLength), Int(limits.maxFrameLength) - overhead)
            throw .payloadTooLarge(size: payloadLength, limit: limit)
        }
    }

    private static let emptyPayload = ByteBuffer()
}
