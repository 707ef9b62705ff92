import NIOCore
import TernTestSupport
import Testing
import TernProtocol

@Suite("FrameStream")
struct FrameStreamTests {
    /// Every vector frame, some of them twice, so that the stream sees repeated topics too.
    private static let frames: [Frame] = {
        let vectors = ExpectedFrames.byVector.sorted { $0.key < $1.key }.map(\.value)
        return vectors + vectors.prefix(10)
    }()

    private static func encoded(_ frames: [Frame]) throws -> ByteBuffer {
        var bytes = ByteBuffer()
        for frame in frames { try bytes.writeFrame(frame) }
        return bytes
    }

    /// The frames `bytes` decode to when it arrives in reads of the given sizes.
    private static func decode(_ bytes: ByteBuffer, inReadsOf sizes: some Sequence<Int>) throws -> [Frame] {
        try decode(bytes, inReadsOf: sizes) { stream, read, receive, _ in try stream.process(read, receive) }.frames
    }

    /// The frames `bytes` decode to when it arrives in reads of the given sizes and `process`
    /// hands each read to the stream, and how many of them it handed out as they are (`direct`).
    private static func decode(
        _ bytes: ByteBuffer, inReadsOf sizes: some Sequence<Int>,
        process: (inout FrameStream, ByteBuffer, _ receive: (Frame) -> Void, _ direct: (Frame) -> Void) throws -> Void
    ) throws -> (frames: [Frame], direct: Int) {
        var stream = FrameStream(decoder: FrameDecoder())
        var rest = bytes
        var frames: [Frame] = []
        var direct = 0
        for size in sizes where rest.readableBytes > 0 {
            try process(&stream, rest.readSlice(length: min(size, rest.readableBytes))!, { frames.append($0) }) { frame in
                direct += 1
                frames.append(frame)
            }
        }
        return (frames, direct)
    }

    @Test("frames split across reads at any point decode as sent")
    func anySplit() throws {
        let bytes = try Self.encoded(Self.frames)
        #expect(try Self.decode(bytes, inReadsOf: [bytes.readableBytes]) == Self.frames)
        #expect(try Self.decode(bytes, inReadsOf: repeatElement(1, count: bytes.readableBytes)) == Self.frames)
        var random = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            let sizes = (0..<bytes.readableBytes).map { _ in Int.random(in: 1...64, using: &random) }
            #expect(try Self.decode(bytes, inReadsOf: sizes) == Self.frames)
        }
    }

    @Test("publishes and messages handed out as they are keep their place among the other frames")
    func directFramesKeepTheirOrder() throws {
        let bytes = try Self.encoded(Self.frames)
        var random = SeededGenerator(seed: 11)
        for _ in 0..<20 {
            let sizes = (0..<bytes.readableBytes).map { _ in Int.random(in: 1...64, using: &random) }
            let (viaPublishes, directPublishes) = try Self.decode(bytes, inReadsOf: sizes) { stream, read, receive, direct in
                try stream.process(read, publishes: { direct(.publish($0)) }, others: { receive($0) })
            }
            let (viaMessages, directMessages) = try Self.decode(bytes, inReadsOf: sizes) { stream, read, receive, direct in
                try stream.process(read, messages: { direct(.message($0)) }, others: { receive($0) })
            }
            #expect(viaPublishes == Self.frames)
            #expect(viaMessages == Self.frames)
            #expect(directPublishes == Self.frames.filter { if case .publish = $0 { true } else { false } }.count)
            #expect(directMessages == Self.frames.filter { if case .message = $0 { true } else { false } }.count)
        }
    }

    @Test("a frame completed by a later read holds none of that read beyond its own bytes")
    func straddlingFrameCopiesOnlyItsBytes() throws {
        let first = Frame.publish(.init(topic: "a.b", payload: ByteBuffer(repeating: 1, count: 300)))
        let second = Frame.publish(.init(topic: "a.b", payload: ByteBuffer(repeating: 2, count: 100)))
        var bytes = try Self.encoded([first, second])
        var stream = FrameStream(decoder: FrameDecoder())
        var received: [Frame] = []
        try stream.process(bytes.readSlice(length: 100)!) { received.append($0) }
        #expect(received.isEmpty)
        try stream.process(bytes) { received.append($0) }
        #expect(received == [first, second])
        guard case .publish(let straddling) = received[0] else { return }
        #expect(straddling.payload.storageCapacity < 1024)
    }

    /// What the general decoder makes of the one frame in `bytes`: the frame, `nil` while it is
    /// incomplete, or its error.
    private static func decodedAlone(_ bytes: ByteBuffer) -> Result<Frame?, FrameDecodingError> {
        var decoder = FrameDecoder()
        var input = bytes
        return Result { () throws(FrameDecodingError) in try decoder.decode(buffer: &input) }
    }

    /// What the stream makes of the one frame in `bytes`, handing out publishes or messages as
    /// they are (read straight from the bytes when they have their common form).
    private static func streamedAlone(_ bytes: ByteBuffer, direct: DirectFrames) -> Result<Frame?, FrameDecodingError> {
        var stream = FrameStream(decoder: FrameDecoder())
        var frames: [Frame] = []
        do {
            switch direct {
            case .publishes: try stream.process(bytes, publishes: { frames.append(.publish($0)) }, others: { frames.append($0) })
            case .messages: try stream.process(bytes, messages: { frames.append(.message($0)) }, others: { frames.append($0) })
            }
        } catch let error as FrameDecodingError {
            return .failure(error)
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return .success(frames.first)
    }

    @Test("every vector streams as the decoder decodes it, publishes and messages handed out as they are", arguments: Vector.all)
    func directPathsAgreeWithTheDecoder(_ vector: Vector) {
        let expected = Self.decodedAlone(vector.buffer)
        #expect(Self.streamedAlone(vector.buffer, direct: .publishes) == expected)
        #expect(Self.streamedAlone(vector.buffer, direct: .messages) == expected)
    }

    @Test("a publish or message cut short anywhere fails as the decoder fails, whichever path reads it")
    func truncatedTopicFramesAgreeWithTheDecoder() throws {
        let frames: [Frame] = [
            .publish(.init(topic: "orders.eu", ackID: 9, replyTo: "_inbox.1", schema: SchemaReference(subjectID: 3, version: 2), payload: ByteBuffer(string: "p"))),
            .publish(.init(topic: "grüße.x", replyTo: "antwort.ü", payload: ByteBuffer(string: "non-ASCII strings"))),
            .publish(.init(topic: "h.t", headers: ["k": "v"], payload: ByteBuffer(string: "with headers"))),
            .message(.init(subscriptionID: 4, topic: "orders.eu", replyTo: "_inbox.2", schema: SchemaReference(subjectID: 1, version: 1), payload: ByteBuffer(string: "m"))),
            .message(.init(subscriptionID: 5, topic: "grüße.y", payload: ByteBuffer())),
        ]
        for frame in frames {
            var whole = ByteBuffer()
            try whole.writeFrame(frame)
            #expect(Self.streamedAlone(whole, direct: .publishes) == .success(frame))
            #expect(Self.streamedAlone(whole, direct: .messages) == .success(frame))
            // The same frame with its body cut after each byte, the length prefix saying so.
            for bodyLength in 2..<(whole.readableBytes - 4) {
                var cut = ByteBuffer()
                cut.writeInteger(UInt32(bodyLength))
                cut.writeImmutableBuffer(whole.getSlice(at: 4, length: bodyLength)!)
                let expected = Self.decodedAlone(cut)
                #expect(Self.streamedAlone(cut, direct: .publishes) == expected, "\(frame) cut to \(bodyLength)")
                #expect(Self.streamedAlone(cut, direct: .messages) == expected, "\(frame) cut to \(bodyLength)")
            }
        }
    }

    @Test("an oversized length prefix split across reads fails with its fourth byte")
    func oversizedPrefixAcrossReads() throws {
        var stream = FrameStream(decoder: FrameDecoder(maxFrameLength: 1 << 20))
        try stream.process(ByteBuffer(bytes: [0xFF, 0xFF])) { _ in Issue.record("no frame expected") }
        try stream.process(ByteBuffer(bytes: [0xFF])) { _ in Issue.record("no frame expected") }
        #expect(throws: FrameDecodingError.frameTooLarge(length: .max, limit: 1 << 20)) {
            try stream.process(ByteBuffer(bytes: [0xFF, 0, 0])) { _ in Issue.record("no frame expected") }
        }
    }
}

/// Which frames a test has the stream hand out as they are.
enum DirectFrames {
    case publishes
    case messages
}

@Suite struct FrameStreamStoppingTests {
    @Test func aReceiverCanStopAfterAFrameAndTheRestWaitsInOrder() throws {
        var stream = FrameStream(decoder: FrameDecoder())
        var bytes = ByteBuffer()
        for token in 1...5 { try bytes.writeFrame(.ping(Frame.Ping(token: UInt64(token)))) }
        var half = ByteBuffer()
        try half.writeFrame(.ping(Frame.Ping(token: 6)))
        let second = half.readSlice(length: 7)!
        bytes.writeImmutableBuffer(second)
        var seen: [UInt64] = []
        let take: (consuming Frame) -> Bool = { frame in
            if case .ping(let ping) = frame { seen.append(ping.token) }
            return seen.count % 2 == 1
        }
        try stream.process(bytes, publishes: { _ in true }, others: take)
        #expect(seen == [1, 2] && stream.hasWaitingInput)
        stream.keep(half)
        try stream.process(nil, publishes: { _ in true }, others: take)
        #expect(seen == [1, 2, 3, 4])
        try stream.process(nil, publishes: { _ in true }, others: { frame in
            if case .ping(let ping) = frame { seen.append(ping.token) }
            return true
        })
        #expect(seen == [1, 2, 3, 4, 5, 6], "the frame split across reads is whole again")
        #expect(!stream.hasWaitingInput)
    }
}
