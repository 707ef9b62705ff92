import NIOCore
import NIOEmbedded
import Testing
import TernProtocol

@Suite("FrameDecoder length limits")
struct FrameDecoderLimitTests {
    @Test("a 4 GiB length prefix fails after its four bytes, with nothing buffered")
    func fourGiBPrefix() throws {
        var decoder = FrameDecoder()
        var input = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF])
        #expect(try decoder.decode(buffer: &input) == nil)
        input.writeInteger(UInt8(0xFF))
        #expect(throws: FrameDecodingError.frameTooLarge(length: .max, limit: 1 << 20)) { try decoder.decode(buffer: &input) }
    }

    @Test("through a channel, the error comes with the fourth byte")
    func fourGiBPrefixInChannel() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        for _ in 0..<3 {
            try channel.writeInbound(ByteBuffer(bytes: [0xFF]))
        }
        #expect(throws: FrameDecodingError.frameTooLarge(length: .max, limit: 1 << 20)) {
            try channel.writeInbound(ByteBuffer(bytes: [0xFF]))
        }
        #expect(try channel.readInbound(as: Frame.self) == nil)
        _ = try? channel.finish()
    }

    @Test("a frame exactly at the limit is accepted; one byte more is not")
    func limitBoundary() throws {
        let limit: UInt32 = 64
        var frame = ByteBuffer()
        try frame.writeFrame(.publish(.init(topic: "t", payload: ByteBuffer(repeating: 0, count: Int(limit) - 5))))
        #expect(frame.readableBytes == 4 + Int(limit))

        var decoder = FrameDecoder(maxFrameLength: limit)
        var exact = frame
        #expect(try decoder.decode(buffer: &exact) != nil)

        var over = ByteBuffer()
        over.writeInteger(limit + 1)
        #expect(throws: FrameDecodingError.frameTooLarge(length: limit + 1, limit: limit)) { try decoder.decode(buffer: &over) }
    }

    @Test("lengths 0 and 1 are too short for a type and flags", arguments: [UInt32(0), 1])
    func tooShort(length: UInt32) {
        var decoder = FrameDecoder()
        var input = ByteBuffer(integer: length)
        #expect(throws: FrameDecodingError.frameTooShort(length: length)) { try decoder.decode(buffer: &input) }
    }

    @Test("decoding errors map to protocol error codes")
    func errorCodes() {
        #expect(FrameDecodingError.frameTooLarge(length: 2, limit: 1).code == .frameTooLarge)
        #expect(FrameDecodingError.frameTooShort(length: 1).code == .malformedFrame)
        #expect(FrameDecodingError.malformed(type: .ping, reason: "truncated").code == .malformedFrame)
    }
}
