import Testing
@testable import TernSchema

@Suite("CRC-64-AVRO")
struct FingerprintTests {
    @Test("matches Avro's published values")
    func avroVectors() {
        #expect(Fingerprint.crc64Avro([UInt8]()) == 0xC15D_213A_A4D7_A795)
        #expect(Fingerprint.crc64Avro(#""int""#.utf8) == 0x7275_D51A_3F39_5C8F)
        #expect(Fingerprint.crc64Avro(#""string""#.utf8) == 0x8F01_4872_6345_03C7)
    }
}
