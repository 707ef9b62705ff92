import NIOCore
import Testing
import TernProtocol
@testable import TernClient

@Suite("Client handler: credentials and the refusals of a broker with users", .timeLimit(.minutes(1)))
struct ClientCredentialsTests {
    @Test("a token goes in HELLO's credentials, under its user's name or none; its description hides it")
    func token() async throws {
        for (user, sent) in [(String?.none, ""), ("orders-svc", "orders-svc")] {
            var configuration = BrokerEnd.configuration
            configuration.credentials = .token("s3cret", user: user)
            var broker = try await BrokerEnd()
            let connecting = try await broker.startConnecting(configuration)
            #expect(try HelloCredentials(configuration).credentials(binding: nil) == Frame.Hello.Credentials(user: sent, secret: "s3cret"))
            #expect(!"\(configuration)".contains("s3cret"))
            try await broker.send(.welcome(BrokerEnd.welcome))
            await (try await connecting.value).close()
        }
    }

    @Test("a key file without TLS is refused before connecting")
    func keyWithoutTLS() async throws {
        var configuration = BrokerEnd.configuration
        configuration.credentials = .keyFile("/nonexistent.key")
        #expect(throws: TernClientError.authenticationFailed(reason: "public-key authentication needs TLS to bind its signature to")) {
            try HelloCredentials(configuration)
        }
    }

    @Test("permission_denied in an ACK, an ERROR about a subscription, a REPLY and a REGISTRY_RESULT is permissionDenied(operation:topic:)")
    func permissionDenied() async throws {
        try await BrokerEnd.withClient { client, broker in
            let publishing = Task { try await client.publish("x", to: "billing.x", acknowledged: true) }
            guard case .publish(let publish) = try await broker.nextFrame(), let ackID = publish.ackID else { Issue.record("no PUBLISH"); return }
            try await broker.send(.ack(Frame.Ack(ackID: ackID, code: .permissionDenied, message: "publish 'billing.x': not allowed for user 'u'")))
            await #expect(throws: TernClientError.permissionDenied(operation: "publish", topic: "billing.x")) { try await publishing.value }
            let requesting = Task { try await client.request("?", to: "a.'b'") }
            guard case .request(let request) = try await broker.nextFrame() else { Issue.record("no REQUEST"); return }
            try await broker.send(.reply(Frame.Reply(requestID: request.requestID, code: .permissionDenied, payload: ByteBuffer(string: "request 'a.'b'': not allowed for user 'u'"))))
            await #expect(throws: TernClientError.permissionDenied(operation: "request", topic: "a.'b'")) { try await requesting.value }
        }
    }

    @Test("an authentication_failed that closes a ready connection ends it with authenticationFailed")
    func removedUser() async throws {
        try await BrokerEnd.withClient { client, broker in
            try await broker.send(.error(Frame.Error(code: .authenticationFailed, message: "authentication failed: user 'u' was removed", closesConnection: true)))
            await #expect(throws: TernClientError.authenticationFailed(reason: "authentication failed: user 'u' was removed")) { try await client.flush() }
        }
    }
}
