import NIOCore

extension ByteBuffer {
    /// Writes a `str`: a `UInt16` length and the UTF-8 bytes.
    mutating func writeShortString(_ string: String, field: StaticString) throws(FrameEncodingError) {
        let length = string.utf8.count
        guard length <= UInt16.max else { throw FrameEncodingError(field: "\(field)", length: length, limit: Int(UInt16.max)) }
        writeInteger(UInt16(length))
        writeString(string)
    }

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

/// The flag bits for the optional fields that several frame types share.
func optionalFieldFlags(replyTo: String? = nil, headers: Headers, schema: SchemaReference?) -> UInt8 {
    (replyTo == nil ? 0 : FrameFlags.replyTo)
        | (headers.isEmpty ? 0 : FrameFlags.headers)
        | (schema == nil ? 0 : FrameFlags.schema)
}
