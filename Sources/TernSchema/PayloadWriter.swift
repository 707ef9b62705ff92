/// Appending the encoding's primitives to payload bytes.
extension Array<UInt8> {
    /// An unsigned LEB128 varint.
    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    /// A zigzag-encoded signed varint.
    mutating func appendZigZag(_ value: Int64) {
        appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func appendBool(_ value: Bool) {
        append(value ? 1 : 0)
    }

    /// IEEE 754 binary64, little-endian.
    mutating func appendFloat64(_ value: Double) {
        let bits = value.bitPattern
        for index in 0..<8 { append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index)))) }
    }

    mutating func appendLengthPrefixed(_ data: some Collection<UInt8>) {
        appendVarint(UInt64(data.count))
        append(contentsOf: data)
    }

    mutating func appendString(_ value: String) {
        var copy = value
        copy.withUTF8 { appendLengthPrefixed($0) }
    }
}
