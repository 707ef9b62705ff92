import NIOCore
import NIOEmbedded
import TernTestSupport
import Testing
import TernProtocol

/// Random and mutated input must yield frames or ``FrameDecodingError``s, never a crash, and every
/// frame that decodes must survive an encode/decode round trip.
@Suite("FrameDecoder on random input")
struct FrameDecoderFuzzTests {
    private static let iterations = 4000

    @Test("random bytes, random frame-shaped bytes and mutated vectors")
    func randomInput() throws {
        var random = SeededGenerator(seed: 0x7E51_F00D)
        let seeds = Vector.all.map(\.bytes)
        var framesSeen = 0
        for iteration in 0..<Self.iterations {
            let input: [UInt8] = switch iteration % 3 {
            case 0: Self.randomBytes(&random)
            case 1: Self.randomFrameShaped(&random)
            default: Self.mutate(seeds.randomElement(using: &random)!, &random)
            }
            let direct = Self.decodeDirectly(input)
            let viaChannel = try Self.decodeThroughChannel(input, &random, iteration: iteration)
            #expect(direct == viaChannel, "iteration \(iteration): the channel saw other frames")
            for frame in direct { try Self.expectRoundTrip(frame, iteration: iteration) }
            framesSeen += direct.count
        }
        // Guards against a generator so broken that nothing ever decodes.
        #expect(framesSeen > Self.iterations / 5)
    }

    /// Decodes with `decode(buffer:)` until it needs more data or fails; it throws only
    /// ``FrameDecodingError``s, as its type says.
    private static func decodeDirectly(_ input: [UInt8]) -> [Frame] {
        var decoder = FrameDecoder()
        var buffer = ByteBuffer(bytes: input)
        var frames: [Frame] = []
        do {
            while let frame = try decoder.decode(buffer: &buffer) { frames.append(frame) }
        } catch {}
        return frames
    }

    /// Feeds the input in random chunks through a `ByteToMessageHandler`.
    private static func decodeThroughChannel(_ input: [UInt8], _ random: inout SeededGenerator, iteration: Int) throws -> [Frame] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var frames: [Frame] = []
        var offset = 0
        feeding: while offset < input.count {
            let end = min(input.count, offset + Int.random(in: 1...32, using: &random))
            do {
                try channel.writeInbound(ByteBuffer(bytes: input[offset..<end]))
            } catch is FrameDecodingError {
                break feeding
            } catch {
                Issue.record("iteration \(iteration): unexpected error \(error)")
                break feeding
            }
            while let frame = try channel.readInbound(as: Frame.self) { frames.append(frame) }
            offset = end
        }
        while let frame = try channel.readInbound(as: Frame.self) { frames.append(frame) }
        do {
            _ = try channel.finish()
        } catch is FrameDecodingError {
        } catch ByteToMessageDecoderError.leftoverDataWhenDone {
        } catch {
            Issue.record("iteration \(iteration): unexpected error at the end \(error)")
        }
        return frames
    }

    private static func expectRoundTrip(_ frame: Frame, iteration: Int) throws {
        var encoded = ByteBuffer()
        try encoded.writeFrame(frame)
        var decoder = FrameDecoder()
        let decoded = try decoder.decode(buffer: &encoded)
        #expect(decoded == frame, "iteration \(iteration): \(frame) did not survive a round trip")
        #expect(encoded.readableBytes == 0)
    }

    private static func randomBytes(_ random: inout SeededGenerator) -> [UInt8] {
        (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// A plausible length prefix, a known or unknown type, mostly defined flags, and a random body.
    private static func randomFrameShaped(_ random: inout SeededGenerator) -> [UInt8] {
        let body = randomBytes(&random)
        let type = Bool.random(using: &random)
            ? FrameType.allCases.randomElement(using: &random)!.rawValue
            : UInt8.random(in: 0...255, using: &random)
        let flags = UInt8.random(in: 0...15, using: &random)
        let length = UInt32(body.count + 2)
        return withUnsafeBytes(of: length.bigEndian, Array.init) + [type, flags] + body
    }

    private static func mutate(_ seed: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        for _ in 0...Int.random(in: 0...2, using: &random) {
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty:
                let index = Int.random(in: bytes.indices, using: &random)
                bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
            case 1 where !bytes.isEmpty:
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
            case 2:
                let count = Int.random(in: 1...8, using: &random)
                let insert = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
                bytes.insert(contentsOf: insert, at: Int.random(in: 0...bytes.count, using: &random))
            case 3 where bytes.count > 4:
                // Keep the frame, but make its length prefix agree with a changed body.
                bytes.append(contentsOf: (0..<Int.random(in: 1...4, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
                let length = UInt32(bytes.count - 4)
                bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: length.bigEndian, Array.init))
            default:
                bytes += seed  // two frames back to back
            }
        }
        return bytes
    }
}
