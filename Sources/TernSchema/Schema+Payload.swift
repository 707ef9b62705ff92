/// The binary payload encoding (Protocol/SCHEMAS.md, "Binary encoding").
extension Schema {
    /// Encodes a record value. Missing fields take their defaults; unknown fields are refused.
    public func encode(_ value: SchemaValue) throws(SchemaValueError) -> [UInt8] {
        var output: [UInt8] = []
        do { try node.encode(value, into: &output) } catch { throw error.under(name) }
        return output
    }

    /// Decodes a payload; every byte must belong to the value.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(SchemaValueError) -> SchemaValue {
        var reader = PayloadReader(bytes)
        return try whole(&reader) { (reader) throws(SchemaValueError) in try node.decode(&reader) }
    }

    /// Decodes a payload; every byte must belong to the value.
    public func decode(_ bytes: [UInt8]) throws(SchemaValueError) -> SchemaValue {
        try bytes.withPayloadReader { (reader) throws(SchemaValueError) in
            try whole(&reader) { (reader) throws(SchemaValueError) in try node.decode(&reader) }
        }
    }

    /// Checks that `bytes` is exactly one valid payload, without building the value.
    public func validate(_ bytes: UnsafeRawBufferPointer) throws(SchemaValueError) {
        var reader = PayloadReader(bytes)
        try whole(&reader) { (reader) throws(SchemaValueError) in try node.skip(&reader) }
    }

    /// Checks that `bytes` is exactly one valid payload, without building the value.
    public func validate(_ bytes: [UInt8]) throws(SchemaValueError) {
        try bytes.withPayloadReader { (reader) throws(SchemaValueError) in
            try whole(&reader) { (reader) throws(SchemaValueError) in try node.skip(&reader) }
        }
    }

    /// Runs `read` over the root record, naming the root in errors and refusing trailing bytes.
    func whole<Result>(
        _ reader: inout PayloadReader,
        _ read: (inout PayloadReader) throws(SchemaValueError) -> Result
    ) throws(SchemaValueError) -> Result {
        let result: Result
        do { result = try read(&reader) } catch { throw error.under(name) }
        guard reader.remaining == 0 else {
            throw SchemaValueError(path: [name], reason: .trailingBytes(reader.remaining))
        }
        return result
    }
}
