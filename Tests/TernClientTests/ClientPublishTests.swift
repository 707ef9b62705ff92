import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Client handler: publishing and flushing", .timeLimit(.minutes(1)))
struct ClientPublishTests {
    @Test("publish writes a PUBLISH with the topic, headers, schema and payload of each kind")
    func publish() async throws {
        try await BrokerEnd.withClient { client, broker in
            let schema = SchemaReference(subjectID: 3, version: 2)
            try await client.publish("hello", to: "orders.new", headers: ["customer": "42"])
            try await client.publish(ByteBuffer(bytes: [0, 1]), to: "orders.new")
            try await client.publish([UInt8]([2, 3]), to: "orders.old")
            try await client.publish(ByteBuffer(bytes: [4]), to: "orders.typed", schema: schema)
            #expect(try await broker.nextFrame() == .publish(Frame.Publish(topic: "orders.new", headers: ["customer": "42"], payload: ByteBuffer(string: "hello"))))
            #expect(try await broker.nextFrame() == .publish(Frame.Publish(topic: "orders.new", payload: ByteBuffer(bytes: [0, 1]))))
            #expect(try await broker.nextFrame() == .publish(Frame.Publish(topic: "orders.old", payload: ByteBuffer(bytes: [2, 3]))))
            #expect(try await broker.nextFrame() == .publish(Frame.Publish(topic: "orders.typed", schema: schema, payload: ByteBuffer(bytes: [4]))))
            try await broker.expectNothingWritten()
        }
    }

    @Test("a publish the broker's limits or the topic syntax refuse throws and writes nothing")
    func refusedBeforeSending() async throws {
        var welcome = BrokerEnd.welcome
        welcome.limits.maxPayloadLength = 8
        try await BrokerEnd.withClient(welcome: welcome) { client, broker in
            await #expect(throws: TernClientError.payloadTooLarge(size: 9, limit: 8)) { try await client.publish("123456789", to: "t") }
            await #expect { try await client.publish("x", to: "a..b") } throws: { error in
                if case .invalidTopic = error as? TernClientError { true } else { false }
            }
            await #expect(throws: TernClientError.invalidHeaders(reason: "'bad name' is not a valid header name")) {
                try await client.publish("x", to: "t", headers: ["bad name": "v"])
            }
            try await broker.expectNothingWritten()
        }
    }

    @Test("an acknowledged publish asks for an ACK and returns when it arrives")
    func acknowledged() async throws {
        try await BrokerEnd.withClient { client, broker in
            let publishing = Task { try await client.publish("x", to: "t", acknowledged: true) }
            let ackID = try await Self.ackID(of: broker.nextFrame())
            try await broker.send(.ack(Frame.Ack(ackID: ackID)))
            try await publishing.value
        }
    }

    @Test("an acknowledged publish throws the refusal of an ACK with a code, or of an ERROR about it")
    func acknowledgedRefused() async throws {
        try await BrokerEnd.withClient { client, broker in
            let refusedByAck = Task { try await client.publish("x", to: "t", acknowledged: true) }
            let firstID = try await Self.ackID(of: broker.nextFrame())
            try await broker.send(.ack(Frame.Ack(ackID: firstID, code: .mailboxFull, message: "the topic's mailbox is full")))
            await #expect(throws: TernClientError.refused(code: .mailboxFull, message: "the topic's mailbox is full")) { try await refusedByAck.value }

            let refusedByError = Task { try await client.publish("x", to: "bound", acknowledged: true) }
            let secondID = try await Self.ackID(of: broker.nextFrame())
            #expect(secondID != firstID)
            try await broker.send(.error(Frame.Error(code: .schemaRequired, subject: .publish, id: secondID, message: "bound to orders", closesConnection: false)))
            await #expect(throws: TernClientError.refused(code: .schemaRequired, message: "bound to orders")) { try await refusedByError.value }
        }
    }

    @Test("flush sends PING and returns at its PONG")
    func flush() async throws {
        try await BrokerEnd.withClient { client, broker in
            try await client.publish("x", to: "t")
            let flushing = Task { try await client.flush() }
            #expect(try await broker.nextFrame() == .publish(Frame.Publish(topic: "t", payload: ByteBuffer(string: "x"))))
            try await broker.send(.pong(broker.nextPing()))
            try await flushing.value
        }
    }

    @Test("an unacknowledged publish the broker refused makes the next flush throw, and only that one")
    func refusalReportedByFlush() async throws {
        try await BrokerEnd.withClient { client, broker in
            try await client.publish("x", to: "full")
            _ = try await broker.nextFrame()
            try await broker.send(.error(Frame.Error(code: .mailboxFull, subject: .publish, message: "full", closesConnection: false)))
            let refused = Task { try await client.flush() }
            try await broker.send(.pong(broker.nextPing()))
            await #expect(throws: TernClientError.refused(code: .mailboxFull, message: "full")) { try await refused.value }

            try await broker.flush(client)
        }
    }

    @Test("a PONG whose token no PING had is a protocol violation: the connection ends and the flush fails")
    func unexpectedPong() async throws {
        try await BrokerEnd.withClient { client, broker in
            let flushing = Task { try await client.flush() }
            let ping = try await broker.nextPing()
            try await broker.send(.pong(Frame.Ping(token: ping.token + 1)))
            try await broker.waitForClose()
            await #expect(throws: TernClientError.protocolViolation(reason: "PONG with unexpected token \(ping.token + 1)")) {
                try await flushing.value
            }
        }
    }

    /// The ack id of a PUBLISH that asks for one.
    private static func ackID(of frame: Frame) throws -> UInt64 {
        guard case .publish(let publish) = frame else { throw UnexpectedFrame(frame: frame) }
        return try #require(publish.ackID)
    }
}
