import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Client handler: the connection's life and end", .timeLimit(.minutes(1)))
struct ClientConnectionTests {
    @Test("a PING from the broker is answered with a PONG of the same token")
    func pingAnswered() async throws {
        try await BrokerEnd.withClient { _, broker in
            try await broker.send(.ping(Frame.Ping(token: 42)), .ping(Frame.Ping(token: 7)))
            #expect(try await broker.nextFrame() == .pong(Frame.Ping(token: 42)))
            #expect(try await broker.nextFrame() == .pong(Frame.Ping(token: 7)))
        }
    }

    @Test("keep-alive: an interval after one in which the broker said nothing ends with a PING; a broker that answers keeps the connection")
    func keepAliveAnswered() async throws {
        var configuration = BrokerEnd.configuration
        configuration.keepAlive = .init(interval: .seconds(10), maxUnansweredPings: 2)
        try await BrokerEnd.withClient(configuration) { _, broker in
            for _ in 0..<3 {
                // The WELCOME, then each PONG, was heard during the first interval.
                await broker.advanceTime(by: .seconds(10))
                try await broker.expectNothingWritten()
                await broker.advanceTime(by: .seconds(10))
                try await broker.send(.pong(broker.nextPing()))
            }
            // Any frame counts as a sign of life, not only a PONG.
            await broker.advanceTime(by: .seconds(10))
            try await broker.send(.ping(Frame.Ping(token: 1)))
            #expect(try await broker.nextFrame() == .pong(Frame.Ping(token: 1)))
            await broker.advanceTime(by: .seconds(10))
            try await broker.expectNothingWritten()
            #expect(broker.channel.isActive)
        }
    }

    @Test("keep-alive: after two unanswered PINGs the connection is given up, and calls fail with the reason")
    func keepAliveUnanswered() async throws {
        var configuration = BrokerEnd.configuration
        configuration.keepAlive = .init(interval: .seconds(10), maxUnansweredPings: 2)
        try await BrokerEnd.withClient(configuration) { client, broker in
            let (subscription, _) = try await broker.subscribe(client, to: "a")
            await broker.advanceTime(by: .seconds(20))
            _ = try await broker.nextPing()
            await broker.advanceTime(by: .seconds(10))
            _ = try await broker.nextPing()
            #expect(broker.channel.isActive)
            await broker.advanceTime(by: .seconds(10))
            try await broker.waitForClose()
            let reason = TernClientError.disconnected(code: nil, reason: "the broker answered nothing for 30.0 seconds (2 keep-alive pings)")
            await #expect(throws: reason) { for try await _ in subscription {} }
            await #expect(throws: reason) { try await client.publish("x", to: "a") }
            await #expect(throws: reason) { try await client.flush() }
        }
    }

    @Test("GOODBYE from the broker closes the connection; subscriptions and later calls end with its reason", arguments: [
        (Frame.Goodbye(code: .serverShuttingDown, message: "shutting down"), TernClientError.disconnected(code: .serverShuttingDown, reason: "shutting down")),
        (Frame.Goodbye(), TernClientError.disconnected(code: nil, reason: "the broker said goodbye")),
    ])
    func goodbye(goodbye: Frame.Goodbye, expected: TernClientError) async throws {
        try await BrokerEnd.withClient { client, broker in
            let (subscription, id) = try await broker.subscribe(client, to: "a")
            let flushing = Task { try await client.flush() }
            _ = try await broker.nextPing()
            try await broker.send(.message(Frame.Message(subscriptionID: id, topic: "a", payload: ByteBuffer(string: "last"))), .goodbye(goodbye))
            try await broker.waitForClose()
            await #expect(throws: expected) { try await flushing.value }
            var messages = subscription.makeAsyncIterator()
            #expect(try await messages.next()?.string == "last", "what came before GOODBYE is delivered")
            await #expect(throws: expected) { try await messages.next() }
            await #expect(throws: expected) { try await client.publish("x", to: "a") }
        }
    }

    @Test("an ERROR that closes ends the connection with its code and message")
    func errorWithClose() async throws {
        try await BrokerEnd.withClient { client, broker in
            let flushing = Task { try await client.flush() }
            _ = try await broker.nextPing()
            try await broker.send(.error(Frame.Error(code: .slowConsumer, message: "too slow", closesConnection: true)))
            try await broker.waitForClose()
            await #expect(throws: TernClientError.disconnected(code: .slowConsumer, reason: "too slow")) { try await flushing.value }
        }
    }

    @Test("an ERROR about the connection that does not close changes nothing")
    func errorWithoutClose() async throws {
        try await BrokerEnd.withClient { client, broker in
            try await broker.send(.error(Frame.Error(code: .unknownFrameType, message: "skipped", closesConnection: false)))
            try await broker.flush(client)
        }
    }

    @Test("bytes that are not a frame end the connection as a protocol violation; what follows them is ignored", arguments: [
        ByteBuffer(bytes: [0, 0, 0, 1, 0x0B]),
        ByteBuffer(bytes: [0x01, 0x00, 0x00, 0x01]),
        ByteBuffer(bytes: [0, 0, 0, 4, FrameType.ping.rawValue, 0, 1, 2]),
    ])
    func malformed(bytes: ByteBuffer) async throws {
        try await BrokerEnd.withClient { client, broker in
            let flushing = Task { try await client.flush() }
            let ping = try await broker.nextPing()
            var input = bytes
            _ = try input.writeFrame(.pong(ping))
            try await broker.send(input)
            try await broker.waitForClose()
            await #expect { try await flushing.value } throws: { error in
                if case .protocolViolation = error as? TernClientError { true } else { false }
            }
        }
    }

    @Test("a frame only a client sends is a protocol violation")
    func clientFrame() async throws {
        try await BrokerEnd.withClient { client, broker in
            try await broker.send(.publish(Frame.Publish(topic: "t", payload: ByteBuffer())))
            try await broker.waitForClose()
            await #expect(throws: TernClientError.protocolViolation(reason: "a client-to-server frame (publish)")) { try await client.flush() }
        }
    }

    @Test("a frame of an unknown type is skipped; the frames after it are read")
    func unknownFrameType() async throws {
        try await BrokerEnd.withClient { client, broker in
            try await broker.send(.unknown(Frame.Unknown(type: 0xEE, flags: 0x80, body: ByteBuffer(string: "from a later version"))), .ping(Frame.Ping(token: 5)))
            #expect(try await broker.nextFrame() == .pong(Frame.Ping(token: 5)))
            #expect(broker.channel.isActive)
            _ = client
        }
    }

    @Test("close says GOODBYE and closes; subscriptions end normally and later calls fail with closed")
    func close() async throws {
        var broker = try await BrokerEnd()
        let client = try await broker.connect()
        let (subscription, _) = try await broker.subscribe(client, to: "a")
        await client.close()
        #expect(try await broker.nextFrame() == .goodbye(Frame.Goodbye()))
        #expect(!broker.channel.isActive)
        for try await _ in subscription { Issue.record("a message after close") }
        await #expect(throws: TernClientError.closed) { try await client.publish("x", to: "a") }
        await #expect(throws: TernClientError.closed) { try await client.flush() }
        await #expect(throws: TernClientError.closed) { try await client.subscribe(to: "b") }
        await client.close()
    }

    @Test("a broker that closes the connection without a word ends it as disconnected")
    func closedByBroker() async throws {
        try await BrokerEnd.withClient { client, broker in
            let (subscription, _) = try await broker.subscribe(client, to: "a")
            try await broker.channel.close()
            let expected = TernClientError.disconnected(code: nil, reason: "the broker closed the connection")
            await #expect(throws: expected) { for try await _ in subscription {} }
            await #expect(throws: expected) { try await client.request("x", to: "svc") }
        }
    }
}
