import Logging
import NIOCore
import ServiceLifecycle
import Testing
import TernBroker
import TernClient
import TernProtocol

/// ``BrokerServer`` as a service in the service group of a program that embeds it.
@Suite(.timeLimit(.minutes(1))) struct BrokerServiceTests {
    private var logger: Logger {
        var logger = Logger(label: "embedder")
        logger.logLevel = .critical
        return logger
    }

    @Test func theGroupsGracefulShutdownStopsTheBrokerAndEndsItsSubscriptions() async throws {
        let broker = try await TestBroker.start()
        // A client that does not reconnect ends with its connection.
        let subscriber = try await broker.connect(name: "subscriber") { $0.reconnect = nil }
        let subscription = try await subscriber.subscribe(to: "greetings")
        let publisher = try await broker.connect(name: "publisher")
        let received = Task {
            var payloads: [String] = []
            do {
                for try await message in subscription { payloads.append(message.string) }
            } catch {
                return (payloads, "\(error)")
            }
            return (payloads, "no error")
        }
        let group = ServiceGroup(services: [broker.server], logger: logger)
        let running = Task { try await group.run() }
        try await publisher.publish("hello", to: "greetings")
        try await publisher.flush()

        await group.triggerGracefulShutdown()
        try await running.value
        // What the broker accepted was delivered, then it said GOODBYE, and nobody connects any more.
        let (payloads, ending) = await received.value
        #expect(payloads == ["hello"])
        #expect(ending.contains("the broker is shutting down"), "\(ending)")
        await #expect(throws: (any Error).self) { _ = try await broker.connect(name: "late") }
        await broker.stop()
    }

    @Test func cancellingTheGroupStopsTheBrokerWithoutWaitingForSubscribers() async throws {
        // A deadline the test would notice: cancellation must not wait for it. 12 MB for a frozen
        // subscriber: more than its connection's buffers hold.
        let broker = try await TestBroker.start { $0.shutdownTimeout = .seconds(60) }
        let frozen = try await RawConnection.connect(port: broker.server.port, tls: RawConnection.tlsContext(trusting: broker.files.caCertificateFile), reads: false)
        try await frozen.handshake()
        try await frozen.subscribe(to: "backlog")
        let publisher = try await broker.connect(name: "publisher")
        for _ in 0..<3000 { try await publisher.publish(ByteBuffer(repeating: 1, count: 4096), to: "backlog") }
        try await publisher.flush()
        let running = Task { try await ServiceGroup(services: [broker.server], logger: logger).run() }
        try await Task.sleep(for: .milliseconds(200))

        let cancelled = ContinuousClock.now
        running.cancel()
        _ = await running.result
        #expect(ContinuousClock.now - cancelled < .seconds(10), "the broker stopped at once")
        // The frozen subscriber's connection is closed though it did not take everything.
        // Reading 12 MB a little at a time takes a while on a loaded machine.
        let frames = try await frozen.readUntilClosed(every: .milliseconds(1), within: 60)
        #expect(frames.count { if case .message = $0 { true } else { false } } < 3000)
        await broker.stop()
    }
}
