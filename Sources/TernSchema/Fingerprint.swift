/// The 64-bit Rabin fingerprint that Avro calls CRC-64-AVRO.
enum Fingerprint {
    /// The fingerprint of no bytes; also the reduction polynomial.
    static let empty: UInt64 = 0xC15D_213A_A4D7_A795

    static let table: [UInt64] = (0..<256).map { index in
        var value = UInt64(index)
        for _ in 0..<8 { value = (value >> 1) ^ (empty & (0 &- (value & 1))) }
        return value
    }

    static func crc64Avro(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var value = empty
        for byte in bytes { value = (value >> 8) ^ table[Int((value ^ UInt64(byte)) & 0xFF)] }
        return value
    }
}
