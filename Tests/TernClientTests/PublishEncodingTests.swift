import NIOCore
import Testing
import TernProtocol
@testable import TernClient

@Suite("Publish encoding")
struct PublishEncodingTests {
    let limits = Limits(maxFrameLength: 1024, maxPayloadLength: 512, maxHeaderBytes: 64, maxTopicLength: 32, maxSubscriptions: 10)
    var encoding: PublishEncoding { PublishEncoding(limits: limits) }

    private func decodeAll(_ buffer: ByteBuffer) throws -> [Frame] {
        var decoder = FrameDecoder()
        var input = buffer
        var frames: [Frame] = []
        while let frame = try decoder.decode(buffer: &input) { frames.append(frame) }
        #expect(input.readableBytes == 0)
        return frames
    }

    @Test("appends PUBLISH frames that decode to what was published")
    func roundTrip() throws {
        var buffer = ByteBuffer()
        var validated: String?
        try encoding.append(to: &buffer, topic: "orders.new", headers: ["k": "v"], ackID: nil, validatedTopic: &validated, payload: .string("hello"))
        try encoding.append(to: &buffer, topic: "orders.new", headers: [:], ackID: 7, validatedTopic: &validated, payload: .bytes([0, 1, 2]))
        try encoding.append(
            to: &buffer, topic: "orders.new", headers: [:], ackID: nil, validatedTopic: &validated, payload: .buffer(ByteBuffer(string: "one pass"))
        )
        try encoding.append(
            to: &buffer, topic: "orders.new", headers: ["k": "v"], ackID: 8, validatedTopic: &validated, payload: .buffer(ByteBuffer(string: "w"))
        )
        #expect(validated == "orders.new")
        #expect(try decodeAll(buffer) == [
            .publish(Frame.Publish(topic: "orders.new", headers: ["k": "v"], payload: ByteBuffer(string: "hello"))),
            .publish(Frame.Publish(topic: "orders.new", ackID: 7, payload: ByteBuffer(bytes: [0, 1, 2]))),
            .publish(Frame.Publish(topic: "orders.new", payload: ByteBuffer(string: "one pass"))),
            .publish(Frame.Publish(topic: "orders.new", ackID: 8, headers: ["k": "v"], payload: ByteBuffer(string: "w"))),
        ])
    }

    @Test("a payload over the limit throws and leaves the buffer as it was")
    func payloadTooLarge() throws {
        var buffer = ByteBuffer(string: "earlier")
        var validated: String?
        for payload in [PublishPayload.bytes(Array(repeating: 1, count: 513)), .buffer(ByteBuffer(repeating: 1, count: 513))] {
            #expect(throws: TernClientError.payloadTooLarge(size: 513, limit: 512)) {
                try encoding.append(to: &buffer, topic: "t", headers: [:], ackID: nil, validatedTopic: &validated, payload: payload)
            }
            #expect(buffer == ByteBuffer(string: "earlier"))
        }
    }

    @Test("invalid topics are refused before anything is written", arguments: ["", "a.*", "a..b", String(repeating: "x", count: 33)])
    func invalidTopic(_ topic: String) {
        var buffer = ByteBuffer()
        var validated: String?
        #expect(throws: TernClientError.self) {
            try encoding.append(to: &buffer, topic: topic, headers: [:], ackID: nil, validatedTopic: &validated, payload: .bytes([]))
        }
        #expect(buffer.readableBytes == 0)
        #expect(validated == nil)
    }

    @Test("appends REQUEST frames with the payload in place; refuses a wildcard topic")
    func request() throws {
        var buffer = ByteBuffer()
        try encoding.appendRequest(to: &buffer, id: 9, topic: "svc.quote", timeoutMilliseconds: 250, headers: ["k": "v"]) {
            $0.writeString("q")
        }
        #expect(try decodeAll(buffer) == [
            .request(Frame.Request(requestID: 9, topic: "svc.quote", timeoutMilliseconds: 250, headers: ["k": "v"], payload: ByteBuffer(string: "q"))),
        ])
        #expect(throws: TernClientError.self) {
            try encoding.appendRequest(to: &buffer, id: 10, topic: "svc.*", timeoutMilliseconds: 1, headers: [:]) { _ in }
        }
    }

    @Test("a reply beyond the limits becomes a handler failure that says why")
    func reply() throws {
        let fitting = Frame.Reply(requestID: 3, headers: ["k": "v"], payload: ByteBuffer(string: "answer"))
        #expect(try decodeAll(encoding.encode(fitting)) == [.reply(fitting)])
        let oversized = Frame.Reply(requestID: 4, payload: ByteBuffer(repeating: 1, count: 513))
        let failure = Frame.Reply(
            requestID: 4, code: .handlerFailed,
            payload: ByteBuffer(string: "the reply could not be sent: payload of 513 bytes exceeds the broker's limit of 512 bytes")
        )
        #expect(try decodeAll(encoding.encode(oversized)) == [.reply(failure)])
    }

    @Test("invalid header names and oversized headers are refused")
    func invalidHeaders() {
        #expect(encoding.validate(headers: ["bad name": "v"]) != nil)
        #expect(encoding.validate(headers: ["a:b": "v"]) != nil)
        #expect(encoding.validate(headers: ["name": String(repeating: "v", count: 61)]) != nil)
        #expect(encoding.validate(headers: ["name": String(repeating: "v", count: 60)]) == nil)
    }
}
