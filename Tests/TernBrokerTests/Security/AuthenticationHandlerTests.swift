import NIOCore
import Testing
import TernProtocol
import TernTLS

@testable import TernBroker

/// A broker with users, its connections' frames in and out: authentication at HELLO, the
/// permissions of each operation, and a reload that changes them under open connections.
@Suite struct AuthenticationHandlerTests {
    private static let token = "right-token"

    private static func users(publish: [String] = ["orders.>"], subscribe: [String] = ["orders.*"], registry: RegistryRole? = .read) throws -> Authorization {
        let permissions = Permissions(
            publish: try TopicPermission(allow: publish), subscribe: try TopicPermission(allow: subscribe),
            request: try TopicPermission(allow: ["pricing.>"]), respond: .nothing, registry: registry
        )
        return try Authorization(users: [
            User(name: "ops", credential: .certificate("CN=ops"), permissions: permissions),
            User(name: "svc", credential: .token(try TokenHash(hashing: token, costLog2: 4, blockSize: 1)), permissions: permissions),
        ])
    }

    private func broker() throws -> EmbeddedBroker {
        let users = try Self.users()
        return try EmbeddedBroker { $0.authorization = users }
    }

    /// A client whose TLS handshake presented a certificate with `subject`, and its HELLO's answer.
    private func connect(_ broker: EmbeddedBroker, subject: String?, credentials: Frame.Hello.Credentials? = nil) async throws -> (EmbeddedClient, [Frame]) {
        let client = try await broker.connect()
        client.channel.pipeline.fireUserInboundEventTriggered(TLSHandshakeCompleted(protocolVersion: "TLSv1.3", alpnProtocol: "tern/1", peerSubject: subject))
        let answer = try await client.exchange(.hello(Frame.Hello(minVersion: 1, maxVersion: 1, clientName: "t", credentials: credentials)))
        return (client, answer)
    }

    private func errors(_ frames: [Frame]) -> [Frame.Error] {
        frames.compactMap { if case .error(let error) = $0 { error } else { nil } }
    }

    @Test func aCertificateUserIsWelcomedWithAuthenticationAndHeldToItsPermissions() async throws {
        let broker = try broker()
        let (client, answer) = try await connect(broker, subject: "CN=ops")
        guard case .welcome(let welcome) = answer.first else { Issue.record("\(answer)"); return }
        #expect(welcome.features.contains(.authentication))
        try await client.subscribe("orders.*")
        let publishes = try await client.exchange(
            .publish(Frame.Publish(topic: "billing.x", ackID: 1, payload: ByteBuffer(string: "no"))),
            .publish(Frame.Publish(topic: "orders.eu", ackID: 2, payload: ByteBuffer(string: "yes")))
        )
        #expect(publishes.contains(.ack(Frame.Ack(ackID: 1, code: .permissionDenied, message: "publish 'billing.x': not allowed for user 'ops'"))))
        #expect(publishes.contains(.ack(Frame.Ack(ackID: 2))))
        #expect(publishes.contains { if case .message(let message) = $0 { String(buffer: message.payload) == "yes" } else { false } })
        let refused = try await client.exchange(
            .subscribe(Frame.Subscribe(subscriptionID: 2, pattern: "orders.>")),
            .request(Frame.Request(requestID: 5, topic: "billing.q", timeoutMilliseconds: 1000, payload: ByteBuffer())),
            .setCompatibility(Frame.SetCompatibility(operationID: 6, subject: "orders", mode: .full))
        )
        #expect(errors(refused).map(\.code) == [.permissionDenied] && errors(refused).first?.id == 2)
        #expect(refused.contains { if case .reply(let reply) = $0 { reply.requestID == 5 && reply.code == .permissionDenied } else { false } })
        #expect(refused.contains { if case .registryResult(let result) = $0 { result.operationID == 6 && result.code == .permissionDenied } else { false } })
        #expect(await !client.isClosed)
        #expect(broker.core.statistics.snapshot.permissionDenials == 4)
    }

    @Test func aRightTokenIsCheckedOffTheLoopAndWelcomed() async throws {
        let broker = try broker()
        let (client, answer) = try await connect(broker, subject: nil, credentials: .init(user: "svc", secret: Self.token))
        let frames = answer.isEmpty ? try await client.received(count: 1) : answer
        guard case .welcome = frames.first else { Issue.record("\(frames)"); return }
    }

    @Test(arguments: [Frame.Hello.Credentials(user: "svc", secret: "wrong"), Frame.Hello.Credentials(user: "nobody", secret: token), nil])
    func aFailureIsAnsweredAfterTheFixedDelayAndCloses(credentials: Frame.Hello.Credentials?) async throws {
        let broker = try broker()
        let (client, answer) = try await connect(broker, subject: nil, credentials: credentials)
        #expect(answer.isEmpty)
        // Time for a token check on the thread pool: still no answer before the delay.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await client.received().isEmpty)
        await broker.advance(by: broker.core.configuration.authenticationFailureDelay)
        let frames = try await client.received(count: 1)
        #expect(errors(frames).map(\.code) == [.authenticationFailed] && errors(frames).first?.closesConnection == true)
        #expect(await client.isClosed)
        #expect(broker.core.statistics.snapshot.authenticationFailures == 1)
    }

    @Test func aCertificateThatNamesNoUserIsRefused() async throws {
        let broker = try broker()
        let (client, _) = try await connect(broker, subject: "CN=stranger")
        await broker.advance(by: broker.core.configuration.authenticationFailureDelay)
        #expect(errors(try await client.received()).map(\.code) == [.authenticationFailed])
    }

    @Test func aReloadEndsTheSubscriptionsItNoLongerAllowsAndClosesRemovedUsers() async throws {
        let broker = try broker()
        let (kept, _) = try await connect(broker, subject: "CN=ops")
        try await kept.subscribe("orders.*", id: 1)
        try await kept.subscribe("orders.eu", id: 2)
        let (removed, answer) = try await connect(broker, subject: nil, credentials: .init(user: "svc", secret: Self.token))
        if answer.isEmpty { _ = try await removed.received(count: 1) }
        var narrower = try Self.users(subscribe: ["orders.eu"]).users
        narrower.removeAll { $0.name == "svc" }
        let reload = Task { await broker.core.reload(authorization: try! Authorization(users: narrower), tls: nil, topicOverrides: []) }
        await broker.run()
        let outcome = await reload.value
        #expect(outcome.connectionsClosed == 1 && outcome.subscriptionsEnded == 1)
        let ended = errors(try await kept.received())
        #expect(ended.map(\.code) == [.permissionDenied] && ended.first?.id == 1 && ended.first?.closesConnection == false)
        #expect(errors(try await removed.received()).map(\.code) == [.authenticationFailed])
        #expect(await removed.isClosed)
        let delivered = try await kept.exchange(.publish(Frame.Publish(topic: "orders.eu", payload: ByteBuffer(string: "x"))))
        #expect(delivered.compactMap { if case .message(let message) = $0 { message.subscriptionID } else { nil } } == [UInt32(2)])
    }

    @Test func subscriptionsAReloadEndedGetNothingWhileTheyWaitForTheirRemovalFromTopics() async throws {
        let broker = try broker()
        let (kept, _) = try await connect(broker, subject: "CN=ops")
        // More than one turn of the event loop removes: the first ones stay in the subscription
        // index for a later turn (they are removed from the last).
        let count = ConnectionHandler.retirementsPerTurn + 100
        var subscribes = ByteBuffer()
        for id in 1...count {
            try subscribes.writeFrame(.subscribe(Frame.Subscribe(subscriptionID: UInt32(id), pattern: "orders.t\(id)")))
        }
        try await kept.send(bytes: subscribes)
        #expect(try await kept.received().isEmpty)
        let reload = Task { await broker.core.reload(authorization: try! Self.users(subscribe: ["billing.*"]), tls: nil, topicOverrides: []) }
        // The loop's tasks run, its clock stays: the later turns have not come.
        for _ in 0..<100 where broker.core.directory.subscriptions.count > 100 { await broker.loop.run() }
        #expect(broker.core.directory.subscriptions.count == 100)
        try await kept.channel.writeInbound(try EmbeddedClient.encode([.publish(Frame.Publish(topic: "orders.t1", payload: ByteBuffer(string: "x")))]))
        await broker.loop.run()
        #expect(broker.core.directory.subscriptions.count == 100, "still in the index when the publish came")
        let frames = try await kept.received()
        #expect(await reload.value.subscriptionsEnded == count)
        #expect(errors(frames).count == count && errors(frames).allSatisfy { $0.code == .permissionDenied })
        #expect(!frames.contains { if case .message = $0 { true } else { false } }, "an ended subscription got a message")
        #expect(broker.core.directory.subscriptions.count == 0)
    }
}
