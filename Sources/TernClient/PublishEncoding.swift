import NIOCore
import TernProtocol

/// Checks a publish against the broker's limits and appends its PUBLISH frame.
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

    /// Appends one PUBLISH frame whose payload `writePayload` writes, after validating the
    /// topic (unless it equals `validatedTopic`) and the headers. On a throw nothing is appended.
    func append(
        to buffer: inout ByteBuffer,
        topic: String,
        headers: Headers,
        ackID: UInt64?,
        validatedTopic: inout String?,
        writePayload: (inout ByteBuffer) -> Void
    ) throws(TernClientError) {
        if topic != validatedTopic {
            if let problem = validate(topic: topic) { throw problem }
            validatedTopic = topic
        }
        if let problem = validate(headers: headers) { throw problem }
        let start = buffer.writerIndex
        do {
            try buffer.writeFrame(.publish(Frame.Publish(topic: topic, ackID: ackID, headers: headers, payload: Self.emptyPayload)))
        } catch {
            throw .invalidHeaders(reason: error.description)
        }
        // The payload is the frame's last field: write it in place and fix the length prefix.
        let payloadStart = buffer.writerIndex
        writePayload(&buffer)
        let payloadLength = buffer.writerIndex - payloadStart
        let frameLength = buffer.writerIndex - start - 4
        guard payloadLength <= limits.maxPayloadLength, frameLength <= limits.maxFrameLength else {
            buffer.moveWriterIndex(to: start)
            let overhead = payloadStart - start - 4
            let limit = min(Int(limits.maxPayloadLength), Int(limits.maxFrameLength) - overhead)
            throw .payloadTooLarge(size: payloadLength, limit: limit)
        }
        buffer.setInteger(UInt32(frameLength), at: start)
    }

    private static let emptyPayload = ByteBuffer()
}
