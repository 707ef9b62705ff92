import Testing
import TernProtocol

@Suite("Version negotiation")
struct ProtocolVersionTests {
    @Test("the highest common version is chosen", arguments: [
        (UInt16(1), UInt16(1), UInt16(1)...1, UInt16?(1)),
        (1, 5, 1...3, 3), (2, 5, 1...3, 3), (1, 2, 2...4, 2), (3, 3, 1...5, 3),
        (4, 6, 1...3, nil), (1, 1, 2...3, nil), (0, 0, 1...1, nil), (3, 2, 1...5, nil),
    ])
    func negotiate(clientMin: UInt16, clientMax: UInt16, server: ClosedRange<UInt16>, expected: UInt16?) {
        #expect(ProtocolVersion.negotiate(clientMin: clientMin, clientMax: clientMax, server: server) == expected)
    }

    @Test("this implementation speaks version 1")
    func supported() {
        #expect(ProtocolVersion.supported == 1...1)
        #expect(ProtocolVersion.negotiate(clientMin: 1, clientMax: 1) == 1)
    }

    @Test("the refusal carries the server's range in its id and closes")
    func refusal() {
        let error = ProtocolVersion.unsupportedVersionError(clientMin: 4, clientMax: 6, server: 2...3)
        #expect(error.code == .unsupportedVersion)
        #expect(error.subject == .connection)
        #expect(error.id == 0x0002_0003)
        #expect(error.closesConnection)
        #expect(error.message.contains("4...6"))
        #expect(error.message.contains("2...3"))
    }
}
