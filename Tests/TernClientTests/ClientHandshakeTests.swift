import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Client handler: the handshake", .timeLimit(.minutes(1)))
struct ClientHandshakeTests {
    @Test("HELLO offers the supported versions and the client's name; WELCOME completes the connection")
    func welcome() async throws {
        let welcome = Frame.Welcome(
            version: 1, serverID: "ternd-7", limits: Limits(maxFrameLength: 4096, maxPayloadLength: 2048, maxHeaderBytes: 512, maxTopicLength: 64, maxSubscriptions: 3),
            features: [.acknowledgements, .schemas], pingIntervalMilliseconds: 1500
        )
        try await BrokerEnd.withClient(welcome: welcome) { client, broker in
            #expect(client.serverInfo == TernServerInfo(
                protocolVersion: 1, serverID: "ternd-7", limits: welcome.limits, features: [.acknowledgements, .schemas], pingInterval: .milliseconds(1500)
            ))
            try await broker.expectNothingWritten()
        }
    }

    @Test("a broker that does not ping announces an interval of 0: no ping interval")
    func noPingInterval() async throws {
        var welcome = BrokerEnd.welcome
        welcome.pingIntervalMilliseconds = 0
        try await BrokerEnd.withClient(welcome: welcome) { client, _ in
            #expect(client.serverInfo.pingInterval == nil)
        }
    }
}

extension ClientHandshakeTests {
    @Test("an ERROR that closes instead of WELCOME refuses the connection with the broker's code and message", arguments: [
        ProtocolVersion.unsupportedVersionError(clientMin: 1, clientMax: 1, server: 2...3),
        Frame.Error(code: .tooManyConnections, message: "the broker is at its connection limit", closesConnection: true),
        Frame.Error(code: .authenticationFailed, message: "who are you", closesConnection: true),
    ])
    func refused(error: Frame.Error) async throws {
        var broker = try await BrokerEnd()
        let connecting = try await broker.startConnecting()
        try await broker.send(.error(error))
        let expected = error.code == .authenticationFailed
            ? TernClientError.authenticationFailed(reason: error.message) : .refused(code: error.code, message: error.message)
        await #expect(throws: expected) { try await connecting.value }
        try await broker.waitForClose()
    }

    @Test("a broker that closes the connection during the handshake fails the connect")
    func closedDuringHandshake() async throws {
        var broker = try await BrokerEnd()
        let connecting = try await broker.startConnecting()
        try await broker.channel.close()
        await #expect(throws: TernClientError.connectionFailed(reason: "the broker closed the connection during the handshake")) {
            try await connecting.value
        }
    }

    @Test("no WELCOME within the connect timeout: the connect times out and the channel closes")
    func handshakeTimeout() async throws {
        var broker = try await BrokerEnd()
        var configuration = BrokerEnd.configuration
        configuration.connectTimeout = .seconds(3)
        let connecting = try await broker.startConnecting(configuration)
        await broker.advanceTime(by: .milliseconds(2999))
        try await broker.expectNothingWritten()
        #expect(broker.channel.isActive, "still waiting before the timeout")
        await broker.advanceTime(by: .milliseconds(1))
        await #expect(throws: TernClientError.timeout) { try await connecting.value }
        try await broker.waitForClose()
    }

    @Test("a second WELCOME is a protocol violation that ends the connection")
    func secondWelcome() async throws {
        var broker = try await BrokerEnd()
        let client = try await broker.connect()
        try await broker.send(.welcome(BrokerEnd.welcome))
        try await broker.waitForClose()
        await #expect(throws: TernClientError.protocolViolation(reason: "WELCOME after the handshake")) { try await client.flush() }
        await client.close()
    }
}
