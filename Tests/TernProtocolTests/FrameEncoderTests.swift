import NIOCore
import Testing
import TernProtocol

@Suite("Frame encoding")
struct FrameEncoderTests {
    @Test("a str longer than 65535 bytes fails and leaves nothing written")
    func oversizedString() {
        var buffer = ByteBuffer(string: "kept")
        let topic = String(repeating: "a", count: 65_536)
        let error = #expect(throws: FrameEncodingError.self) {
            try buffer.writeFrame(.publish(.init(topic: topic, payload: ByteBuffer())))
        }
        #expect(error?.field == "topic")
        #expect(error?.length == 65_536)
        #expect(error?.limit == 65_535)
        #expect(buffer == ByteBuffer(string: "kept"))
    }

    @Test("writeMessageFrame writes the same bytes as a MESSAGE frame, with and without headers")
    func messageFastPath() throws {
        for name in ["message-minimal", "message-with-reply-to-headers-schema", "message-with-headers"] {
            guard case .message(let vector) = try #require(ExpectedFrames.byVector[name]) else {
                Issue.record("\(name) is not a MESSAGE")
                continue
            }
            var headerless = vector
            headerless.headers = [:]
            for message in [vector, headerless] {
                var viaFrame = ByteBuffer()
                try viaFrame.writeFrame(.message(message))
                var viaFastPath = ByteBuffer(string: "before")
                let written = try viaFastPath.writeMessageFrame(
                    subscriptionID: message.subscriptionID, topic: message.topic, replyTo: message.replyTo,
                    headers: message.headers, schema: message.schema, payload: message.payload
                )
                #expect(viaFastPath.readString(length: 6) == "before")
                #expect(viaFastPath == viaFrame)
                #expect(written == viaFrame.readableBytes)
            }
        }
    }

    @Test("writePublishFrameHead and the payload write the same bytes as a PUBLISH frame")
    func publishHead() throws {
        let publishes = ExpectedFrames.byVector.values.compactMap { frame -> Frame.Publish? in
            if case .publish(let publish) = frame { return publish }
            return nil
        }
        #expect(publishes.count >= 3)
        for vector in publishes {
            var headerless = vector
            headerless.headers = [:]
            for publish in [vector, headerless] {
                var viaFrame = ByteBuffer()
                try viaFrame.writeFrame(.publish(publish))
                var viaHead = ByteBuffer()
                try viaHead.writePublishFrameHead(
                    topic: publish.topic, ackID: publish.ackID, replyTo: publish.replyTo, headers: publish.headers,
                    schema: publish.schema, payloadLength: publish.payload.readableBytes
                )
                viaHead.writeImmutableBuffer(publish.payload)
                #expect(viaHead == viaFrame)
            }
        }
    }

    @Test("a topic longer than 65535 bytes fails the fast paths and leaves nothing written")
    func oversizedTopicOnFastPaths() {
        let topic = String(repeating: "a", count: 65_536)
        var buffer = ByteBuffer(string: "kept")
        #expect(throws: FrameEncodingError.self) {
            try buffer.writeMessageFrame(subscriptionID: 1, topic: topic, replyTo: nil, headers: [:], schema: nil, payload: ByteBuffer())
        }
        #expect(throws: FrameEncodingError.self) {
            try buffer.writePublishFrameHead(topic: topic, ackID: nil, payloadLength: 0)
        }
        #expect(buffer == ByteBuffer(string: "kept"))
    }

    @Test("a HEADERS flag with a count of 0 decodes as no headers")
    func emptyHeaderList() throws {
        // PUBLISH, flags HEADERS, topic "t", header count 0, no payload.
        var input = ByteBuffer(bytes: [0, 0, 0, 7, 0x03, 0x04, 0, 1, 0x74, 0, 0])
        var decoder = FrameDecoder()
        let frame = try decoder.decode(buffer: &input)
        #expect(frame == .publish(.init(topic: "t", payload: ByteBuffer())))
    }

    @Test("error codes have the specification's names")
    func errorCodeNames() {
        #expect(ErrorCode.ok.description == "ok")
        #expect(ErrorCode.noResponders.description == "no responders")
        #expect(ErrorCode.outboundLimitExceeded.description == "outbound limit exceeded")
        #expect(ErrorCode(rawValue: 0x0399).description == "error 0x399")
    }

    @Test("compatibility modes parse from their names", arguments: CompatibilityMode.allCases)
    func compatibilityModeNames(mode: CompatibilityMode) {
        #expect(CompatibilityMode(name: mode.description) == mode)
        #expect(CompatibilityMode(name: mode.description.lowercased().replacingOccurrences(of: "_", with: "-")) == mode)
    }
}
