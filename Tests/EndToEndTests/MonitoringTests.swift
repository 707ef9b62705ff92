import Foundation
import NIOCore
import Testing
import TernBroker
import TernClient
import TernMonitoring
import TernProtocol

/// The monitoring listener of a real broker: `/metrics` read by a real Prometheus parser after
/// a known workload, the JSON views and their paging, `/healthz` through the broker's life.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MonitoringTests {
    /// A broker with its monitoring listener on a free port.
    private func withMonitoredBroker<Result>(
        _ configure: @escaping (inout BrokerConfiguration) -> Void = { _ in }, _ body: (TestBroker, Int) async throws -> Result
    ) async throws -> Result {
        try await withBroker({ configuration in
            configuration.monitor = ServerAddress(host: "127.0.0.1", port: 0)
            configure(&configuration)
        }) { broker in
            try await body(broker, try #require(broker.server.monitorPort))
        }
    }

    /// Publishes `count` messages of `size` bytes to `topic` and waits for `deliveries` (a
    /// subscription's iterator, which keeps it subscribed) to take them.
    private func publish(
        _ count: Int, ofSize size: Int, to topic: String, with client: TernClient, into deliveries: inout TernSubscription.AsyncIterator
    ) async throws {
        let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: size)
        for _ in 0..<count { try await client.publish(payload, to: topic) }
        try await client.flush()
        for _ in 0..<count {
            let message = try #require(try await deliveries.next())
            #expect(message.topic == topic)
        }
    }

    @Test func metricsCountAKnownWorkloadExactly() async throws {
        try await withMonitoredBroker({ $0.metricsTopics = ["counted.>"] }) { broker, port in
            let publisher = try await broker.connect(name: "publisher")
            let subscriber = try await broker.connect(name: "subscriber")
            var counted = try await subscriber.subscribe(to: "counted.>").makeAsyncIterator()
            var other = try await subscriber.subscribe(to: "other.>").makeAsyncIterator()
            try await publish(250, ofSize: 100, to: "counted.a", with: publisher, into: &counted)
            try await publish(40, ofSize: 10, to: "other.b", with: publisher, into: &other)
            // The delivery counters move once the connection has written the messages.
            try await eventually("every delivery counted") { broker.server.statistics.snapshot.delivered == 290 }

            let samples = try await PrometheusText.scrape(port: port)
            #expect(samples["tern_messages_received_total"] == 290)
            #expect(samples["tern_messages_delivered_total"] == 290)
            #expect(samples["tern_bytes_received_total"] == Double(250 * 100 + 40 * 10))
            #expect(samples["tern_bytes_delivered_total"] == Double(250 * 100 + 40 * 10))
            #expect(samples["tern_connections"] == 2)
            #expect(samples["tern_connections_total"] == 2)
            #expect(samples["tern_subscriptions"] == 2)
            #expect(samples["tern_topics"] == 2)
            #expect(samples["tern_topic_messages_received_total{topic=\"counted.a\"}"] == 250)
            #expect(samples["tern_topic_bytes_received_total{topic=\"counted.a\"}"] == 25_000)
            #expect(samples["tern_topic_messages_delivered_total{topic=\"counted.a\"}"] == 250)
            #expect(samples["tern_topic_subscribers{topic=\"counted.a\"}"] == 1)
            #expect(!samples.keys.contains { $0.contains("other.b") }, "only the configured topics have series of their own")
            #expect(samples["tern_messages_dropped_total{reason=\"dropped_oldest\"}"] == 0)
            #expect(samples["tern_mailbox_messages"] == 0)
            #expect(samples["tern_subscriber_queue_messages"] == 0)
            #expect(samples["tern_info{server_id=\"\(broker.server.configuration.serverID)\",version=\"\(BrokerServer.version)\"}"] == 1)

            // Requests by outcome, and the time they took.
            let responder = try await publisher.makeResponder(on: "answer")
            let answering = Task { try await responder.run { request in TernReply(request.string) } }
            #expect(try await subscriber.request("ping", to: "answer", timeout: .seconds(30)).string == "ping")
            answering.cancel()
            await #expect(throws: TernClientError.noResponders(topic: "nobody")) { try await subscriber.request("x", to: "nobody", timeout: .seconds(30)) }
            let after = try await PrometheusText.scrape(port: port)
            #expect(after["tern_requests_total{outcome=\"answered\"}"] == 1)
            #expect(after["tern_requests_total{outcome=\"no_responders\"}"] == 1)
            #expect(after["tern_request_duration_seconds_count"] == 1)
            #expect(after["tern_messages_received_total"] == 290, "requests are not messages")
            await publisher.close()
            await subscriber.close()
        }
    }

    @Test func refusalsAndRegistrationsAreCountedByReason() async throws {
        try await withMonitoredBroker { broker, port in
            let client = try await broker.connect(name: "client")
            _ = try await client.registerSchema("record Order { id: string }", subject: "orders")
            _ = try await client.registerSchema("record Order { id: string }", subject: "orders")
            await #expect(throws: TernClientError.self) { try await client.registerSchema("record Order { id: int32 }", subject: "orders") }
            try await client.bind(topic: "orders", toSubject: "orders")
            for _ in 0..<3 {
                await #expect(throws: TernClientError.refused(code: .schemaRequired, message: "topic 'orders' is bound to subject 'orders': a message on it must name one of its versions")) {
                    try await client.publish("untagged", to: "orders", acknowledged: true)
                }
            }
            let samples = try await PrometheusText.scrape(port: port)
            #expect(samples["tern_publishes_refused_total{reason=\"schema_required\"}"] == 3)
            #expect(samples["tern_messages_received_total"] == 0)
            #expect(samples["tern_schema_registrations_total{result=\"registered\"}"] == 1)
            #expect(samples["tern_schema_registrations_total{result=\"unchanged\"}"] == 1)
            #expect(samples["tern_schema_registrations_total{result=\"refused\"}"] == 1)
            await client.close()
        }
    }

    @Test func refusedConnectionsAndFailedHandshakesAreCounted() async throws {
        try await withMonitoredBroker({ $0.maxConnections = 1 }) { broker, port in
            #expect(try await Loopback.sendAndAwaitClose("GET / HTTP/1.1\r\n\r\n", to: broker.server.port), "plaintext on the TLS port is closed")
            try await eventually("the failed connection to be gone") { broker.server.statistics.snapshot.connections == 0 }
            let first = try await broker.connect(name: "first")
            await #expect(throws: TernClientError.self) { try await broker.connect(name: "second") }
            let samples = try await PrometheusText.scrape(port: port)
            #expect(samples["tern_tls_handshake_failures_total"] == 1)
            #expect(samples["tern_connections_refused_total{reason=\"max_connections\"}"] == 1)
            #expect(samples["tern_connections_total"] == 2, "the failed handshake's connection and the first client's")
            #expect(samples["tern_connections"] == 1)
            await first.close()
        }
    }

    @Test func jsonViewsHaveTheirShapeAndPages() async throws {
        try await withMonitoredBroker { broker, port in
            let busy = try await broker.connect(name: "busy")
            let quiet = try await broker.connect(name: "quiet")
            let subscriber = try await broker.connect(name: "subscriber")
            var all = try await subscriber.subscribe(to: ">").makeAsyncIterator()
            try await publish(30, ofSize: 8, to: "views.busy", with: busy, into: &all)
            try await publish(3, ofSize: 8, to: "views.quiet", with: quiet, into: &all)
            try await publish(1, ofSize: 8, to: "views.rare", with: quiet, into: &all)

            let stats = try await monitor(port, "/stats", as: ServerStats.self)
            #expect(stats.version == BrokerServer.version)
            #expect(stats.serverID == broker.server.configuration.serverID)
            #expect(stats.health.status == .ok)
            #expect(stats.settings.listen == "127.0.0.1:\(broker.server.port)")
            #expect(stats.settings.monitor == "127.0.0.1:\(port)")
            #expect(stats.settings.tls)
            #expect(stats.totals.messagesReceived == 34)
            #expect(stats.totals.connections == 3)
            #expect(stats.totals.topics == 3)

            let firstTwo = try await monitor(port, "/connections?limit=2", as: MonitorPage<ConnectionInfo>.self)
            #expect(firstTwo.total == 3)
            #expect(firstTwo.items.count == 2)
            #expect(firstTwo.sort == "id")
            #expect(firstTwo.items.map(\.id) == firstTwo.items.map(\.id).sorted())
            let rest = try await monitor(port, "/connections?offset=2&limit=2", as: MonitorPage<ConnectionInfo>.self)
            #expect(rest.items.count == 1)
            #expect(Set(firstTwo.items.map(\.id) + rest.items.map(\.id)).count == 3)
            let byMessages = try await monitor(port, "/connections?sort=messages", as: MonitorPage<ConnectionInfo>.self)
            #expect(byMessages.items.map(\.clientName) == ["subscriber", "busy", "quiet"])
            let busyConnection = try #require(byMessages.items.first { $0.clientName == "busy" })
            #expect(busyConnection.messagesIn == 30)
            #expect(busyConnection.tlsVersion == "TLSv1.3")
            #expect(busyConnection.tlsCipher?.isEmpty == false)
            #expect(busyConnection.peer.hasPrefix("127.0.0.1:"))
            #expect(busyConnection.subscriptions == 0)
            let subscriberConnection = try #require(byMessages.items.first { $0.clientName == "subscriber" })
            #expect(subscriberConnection.messagesOut == 34)
            #expect(subscriberConnection.subscriptions == 1)
            #expect(subscriberConnection.lastActivity >= subscriberConnection.connectedSince)

            let byName = try await monitor(port, "/topics?limit=2", as: MonitorPage<TopicInfo>.self)
            #expect(byName.total == 3)
            #expect(byName.items.map(\.name) == ["views.busy", "views.quiet"])
            let lastByName = try await monitor(port, "/topics?offset=2", as: MonitorPage<TopicInfo>.self)
            #expect(lastByName.items.map(\.name) == ["views.rare"])
            let topics = try await monitor(port, "/topics?sort=messages&limit=1", as: MonitorPage<TopicInfo>.self)
            let top = try #require(topics.items.first)
            #expect(top.name == "views.busy")
            #expect(top.messagesIn == 30)
            #expect(top.messagesOut == 30)
            #expect(top.bytesIn == 240)
            #expect(top.subscribers == 1)
            #expect(top.overflowPolicy == "block")
            #expect(top.mailboxMessages == 0)
            #expect(top.schemaSubject == nil)
            await busy.close()
            await quiet.close()
            await subscriber.close()
        }
    }

    @Test func badRequestsGetAClearJSONError() async throws {
        try await withMonitoredBroker { _, port in
            for (target, status, error) in [
                ("/topics?limit=0", 400, "limit must be a whole number from 1 to 1000, not '0'"),
                ("/topics?limit=5000", 400, "limit must be a whole number from 1 to 1000, not '5000'"),
                ("/connections?offset=-1", 400, "offset must be a whole number, 0 or more, not '-1'"),
                ("/connections?sort=age", 400, "sort must be one of id, messages, bytes, pending, rate, subscriptions, not 'age'"),
                ("/topics?sort=name&sort=rate", 400, "parameter 'sort' is given twice"),
                ("/topics?page=2", 400, "unknown parameter 'page' (offset, limit and sort are known)"),
                ("/stats?verbose=1", 400, "this path takes no parameters, not 'verbose=1'"),
                ("/varz", 404, "no such path: /varz (/metrics, /healthz, /stats, /connections, /topics are served)"),
            ] {
                let response = try await monitor(port, target)
                #expect(response.status == status, "\(target)")
                #expect(try MonitorJSON.decode(MonitorErrorBody.self, from: response.body).error == error, "\(target)")
            }
        }
    }

    @Test func healthzAnswers503InLameDuckMode() async throws {
        let broker = try await TestBroker.start {
            $0.monitor = ServerAddress(host: "127.0.0.1", port: 0)
            $0.lameDuckDuration = .seconds(2)
        }
        let port = try #require(broker.server.monitorPort)
        let client = try await broker.connect(name: "moved")
        let lameDuck = Task { await broker.server.enterLameDuckMode() }
        try await eventually("the health to say lame duck") { broker.server.health.status == .lameDuck }
        let answer = try await monitor(port, "/healthz")
        #expect(answer.status == 503)
        #expect(try MonitorJSON.decode(HealthReport.self, from: answer.body).status == .lameDuck)
        await lameDuck.value
        await client.close()
        await broker.stop()
    }

    @Test func healthzAnswers503WhileStopping() async throws {
        let broker = try await TestBroker.start { $0.monitor = ServerAddress(host: "127.0.0.1", port: 0) }
        let port = try #require(broker.server.monitorPort)
        let healthy = try await monitor(port, "/healthz")
        #expect(healthy.status == 200)
        #expect(try MonitorJSON.decode(HealthReport.self, from: healthy.body) == HealthReport(status: .ok))

        // A subscriber that reads nothing holds the shutdown for its deadline: meanwhile the
        // listener answers that the broker is stopping, and after it, nothing answers.
        let publisher = try await broker.connect(name: "publisher")
        let frozen = try await broker.connect(name: "frozen") { $0.subscriptionBufferSize = 1 }
        let held = try await frozen.subscribe(to: "held")
        // 20 MB: more than the sockets' buffers hold.
        for _ in 0..<5000 { try await publisher.publish(ByteBuffer(repeating: 0, count: 4096), to: "held") }
        try await publisher.flush()
        let stopping = Task { await broker.stop() }
        try await eventually("the health to say stopping") { broker.server.health.status == .stopping }
        let answer = try await monitor(port, "/healthz")
        #expect(answer.status == 503)
        #expect(try MonitorJSON.decode(HealthReport.self, from: answer.body) == HealthReport(status: .stopping, reason: "the broker is shutting down"))
        await stopping.value
        await #expect(throws: MonitorClient.Failure.self) { try await monitor(port, "/healthz") }
        withExtendedLifetime(held) {}
        await publisher.close()
        await frozen.close()
    }
}
