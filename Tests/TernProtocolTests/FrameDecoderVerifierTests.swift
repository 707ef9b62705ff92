import NIOCore
import NIOTestUtils
import Testing
import TernProtocol

/// Feeds frames to ``FrameDecoder`` byte by byte, in batches and all at once, as NIO's verifier does.
@Suite("FrameDecoder with ByteToMessageDecoderVerifier")
struct FrameDecoderVerifierTests {
    private static func encoded(_ frames: [Frame]) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        for frame in frames { try buffer.writeFrame(frame) }
        return buffer
    }

    @Test("one frame per input")
    func singleFrames() throws {
        let frames = ExpectedFrames.byVector.keys.sorted().compactMap { ExpectedFrames.byVector[$0] }
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: try frames.map { (try Self.encoded([$0]), [$0]) },
            decoderFactory: { FrameDecoder() }
        )
    }

    @Test("several frames in one input")
    func batchedFrames() throws {
        let batch: [Frame] = [
            .hello(.init(minVersion: 1, maxVersion: 1, clientName: "demo")),
            .subscribe(.init(subscriptionID: 1, pattern: "orders.>", queueGroup: "workers")),
            .publish(.init(topic: "orders.eu", ackID: 7, headers: ["a": "b"], payload: ByteBuffer(string: "first"))),
            .ping(.init(token: 1)),
            .publish(.init(topic: "orders.us", payload: ByteBuffer(repeating: 0xAB, count: 3000))),
            .unsubscribe(.init(subscriptionID: 1)),
            .goodbye(.init()),
        ]
        let messages: [Frame] = (0..<20).map { index in
            .message(.init(subscriptionID: UInt32(index), topic: "t.\(index)", payload: ByteBuffer(string: String(repeating: "x", count: index))))
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(try Self.encoded(batch), batch), (try Self.encoded(messages), messages)],
            decoderFactory: { FrameDecoder() }
        )
    }

    @Test("a decoder with a small limit still passes frames within it")
    func smallLimit() throws {
        let frames: [Frame] = [.ping(.init(token: 9)), .publish(.init(topic: "a", payload: ByteBuffer(repeating: 1, count: 10)))]
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(try Self.encoded(frames), frames)],
            decoderFactory: { FrameDecoder(maxFrameLength: 15) }
        )
    }
}
