import NIOCore

extension ByteBuffer {
    /// Writes a `str`: a `UInt16` length and the UTF-8 bytes.
    mutating func writeShortString(_ string: String, field: StaticString) throws(FrameEncodingError) {
        let length = string.utf8.count
        guard length <= UInt16.max else { throw FrameEncodingError(field: "\(field)", length: length, limit: Int(UInt16.max)) }
        writeInteger(UInt16(length))
        writeString(string)
    }

    /// Writes the human-readable message of an ACK, ERROR or GOODBYE as a `str`, cut to
    /// ``maxMessageLength`` bytes: a message that names a long topic must neither keep its frame
    /// from being sent nor make it longer than the smallest max frame length a server has.
    mutating func writeMessage(_ message: String) {
        let utf8 = message.utf8
        guard utf8.count > Self.maxMessageLength else {
            writeInteger(UInt16(utf8.count))
            writeString(message)
            return
        }
        // A sequence cut in half decodes to U+FFFD (3 bytes); "…" takes 3 more.
        let cut = String(decoding: utf8.prefix(Self.maxMessageLength - 6), as: UTF8.self) + "…"
        writeInteger(UInt16(cut.utf8.count))
        writeString(cut)
    }

    /// The longest message ``writeMessage(_:)`` writes, in bytes.
    static let maxMessageLength = 4096

    /// Writes a `text`: a `UInt32` length and the UTF-8 bytes.
    mutating func writeText(_ string: String) {
        writeInteger(UInt32(string.utf8.count))
        writeString(string)
    }

    mutating func writeHeaders(_ headers: Headers) throws(FrameEncodingError) {
        guard !headers.isEmpty else { return }
        guard headers.count <= UInt16.max else { throw FrameEncodingError(field: "headers", length: headers.count, limit: Int(UInt16.max)) }
        writeInteger(UInt16(headers.count))
        for field in headers {
            try writeShortString(field.name, field: "header name")
            try writeShortString(field.value, field: "header value")
        }
    }

    mutating func writeSchemaReference(_ reference: SchemaReference?) {
        guard let reference else { return }
        writeInteger(reference.subjectID)
        writeInteger(reference.version)
    }
}

extension ByteBuffer {
    /// Writes the fields of a REQUEST, and of a ROUTED_REQUEST, which has its layout.
    mutating func writeRequestFields(
        id: UInt64, timeoutMilliseconds: UInt32, topic: String, headers: Headers, schema: SchemaReference?, payload: ByteBuffer
    ) throws(FrameEncodingError) {
        writeInteger(id)
        writeInteger(timeoutMilliseconds)
        try writeShortString(topic, field: "topic")
        try writeHeaders(headers)
        writeSchemaReference(schema)
        writeImmutableBuffer(payload)
    }

    /// Writes the fields of a REPLY, and of a ROUTED_REPLY, which has its layout.
    mutating func writeReplyFields(id: UInt64, code: ErrorCode, headers: Headers, schema: SchemaReference?, payload: ByteBuffer) throws(FrameEncodingError) {
        writeInteger(id)
        writeInteger(code.rawValue)
        try writeHeaders(headers)
        writeSchemaReference(schema)
        writeImmutableBuffer(payload)
    }
}

/// The flag bits for the optional fields that several frame types share.
func optionalFieldFlags(replyTo: String? = nil, headers: Headers, schema: SchemaReference?) -> UInt8 {
    (replyTo == nil ? 0 : FrameFlags.replyTo)
        | (headers.isEmpty ? 0 : FrameFlags.headers)
        | (schema == nil ? 0 : FrameFlags.schema)
}
