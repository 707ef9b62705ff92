/// A bounds-checked cursor over payload bytes that reads the encoding's primitives.
///
/// Every read checks the remaining length first; nothing here traps on hostile input.
struct PayloadReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    mutating func byte() throws(SchemaValueError) -> UInt8 {
        guard offset < bytes.count else { throw SchemaValueError(reason: .truncated) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// An unsigned LEB128 varint of at most 10 bytes and 64 bits.
    mutating func varint() throws(SchemaValueError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            if shift == 63, next > 1 { throw SchemaValueError(reason: .varintOverflow) }
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func int64() throws(SchemaValueError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func int32() throws(SchemaValueError) -> Int32 {
        guard let value = Int32(exactly: try int64()) else {
            throw SchemaValueError(reason: .outOfRange(type: "int32"))
        }
        return value
    }

    mutating func bool() throws(SchemaValueError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let other: throw SchemaValueError(reason: .invalidBool(other))
        }
    }

    /// An optional's presence byte: true when a value follows.
    mutating func isPresent() throws(SchemaValueError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let other: throw SchemaValueError(reason: .invalidOptionalTag(other))
        }
    }

    mutating func float64() throws(SchemaValueError) -> Double {
        guard remaining >= 8 else { throw SchemaValueError(reason: .truncated) }
        var bits: UInt64 = 0
        for index in 0..<8 { bits |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return Double(bitPattern: bits)
    }

    /// A count of items that each take at least `minimumItemSize` bytes, checked against the
    /// remaining bytes so that no caller reserves or loops for more than the payload can hold.
    mutating func count(minimumItemSize: Int) throws(SchemaValueError) -> Int {
        let raw = try varint()
        guard raw <= UInt64(remaining / max(minimumItemSize, 1)) else {
            throw SchemaValueError(reason: .truncated)
        }
        return Int(raw)
    }

    /// A length-prefixed run of bytes, returned as a range of `bytes`.
    mutating func lengthPrefixed() throws(SchemaValueError) -> Range<Int> {
        let length = try count(minimumItemSize: 1)
        defer { offset += length }
        return offset..<offset + length
    }

    /// A length-prefixed UTF-8 string, validated but not copied.
    mutating func utf8() throws(SchemaValueError) -> Range<Int> {
        let range = try lengthPrefixed()
        guard UTF8Validation.isValid(UnsafeRawBufferPointer(rebasing: bytes[range])) else {
            throw SchemaValueError(reason: .invalidUTF8)
        }
        return range
    }

    mutating func string() throws(SchemaValueError) -> String {
        let range = try utf8()
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    mutating func byteArray() throws(SchemaValueError) -> [UInt8] {
        Array(bytes[try lengthPrefixed()])
    }
}

/// Strict UTF-8 validation: no overlong forms, no surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard count - index >= length else { return false }
            let second = bytes[index + 1]
            guard second >= lower, second <= upper else { return false }
            for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
                return false
            }
            index += length
        }
        return true
    }
}

extension Array<UInt8> {
    /// Runs `body` with a reader over the array's bytes.
    func withPayloadReader<Result>(
        _ body: (inout PayloadReader) throws(SchemaValueError) -> Result
    ) throws(SchemaValueError) -> Result {
        let outcome = withUnsafeBytes { buffer in
            var reader = PayloadReader(buffer)
            return Swift.Result { () throws(SchemaValueError) in try body(&reader) }
        }
        return try outcome.get()
    }
}
