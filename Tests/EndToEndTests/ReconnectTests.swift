import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing
import TernChildProcesses
import TernClient
import TernProtocol
import TernSchema

/// Clients that outlive their broker: the built `ternd` killed with SIGKILL and restarted on the
/// same port, a second `ternd` to fail over to, and calls in flight at the moment of the drop.
@Suite(.timeLimit(.minutes(2))) struct ReconnectTests {
    @Test func aSubscriberAndAPublisherKeepWorkingAcrossAKillAndARestartAndTheBufferedPublishesArrive() async throws {
        let daemon = try await RunningDaemon.start([])
        let subscriber = try await daemon.connect(name: "subscriber")
        // The publisher waits 10 to 20 s before its first attempt: by then the subscriber is back
        // (the broker restarts half a second after the kill, and the subscriber's backoff is at
        // most 2 s), even when a loaded machine takes seconds to start the broker. Messages are
        // not replayed: published before the subscriber is back, they would be lost.
        var patient = daemon.configuration(name: "publisher")
        patient.reconnect = .init(initialDelay: .seconds(20), maxDelay: .seconds(20))
        let publisher = try await TernClient.connect(patient)
        let events = EventRecorder(publisher)
        let subscription = try await subscriber.subscribe(to: "orders.>")
        let received = Collector(subscription, count: 3)
        try await publisher.publish("before", to: "orders.placed")
        try await publisher.flush()
        try await eventually(within: 10, "the subscriber to get the first") { events.contains { if case .connected = $0 { true } else { false } } }

        daemon.process.signal(SIGKILL)
        _ = try await daemon.process.wait()
        try await eventually(within: 10, "the publisher to notice") { events.contains { if case .disconnected = $0 { true } else { false } } }
        // Published during the outage: buffered, sent after the reconnect, in order.
        try await publisher.publish("during 1", to: "orders.placed")
        try await publisher.publish("during 2", to: "orders.placed")
        try await Task.sleep(for: .milliseconds(500))
        let restarted = try await RunningDaemon.start([], in: daemon.directory, port: daemon.port)
        try await eventually(within: 20, "the subscriber to be back") { subscriber.connectedServer != nil }
        #expect(publisher.connectedServer == nil, "the publisher is still away")
        // The flush waits for the publisher's reconnect, and follows the buffered publishes.
        try await publisher.flush()
        try await eventually(within: 20, "the buffered publishes to arrive") { received.isDone }
        #expect(await received.value == ["before", "during 1", "during 2"])
        // Events reach the recorder through a task of its own, which a loaded machine may run late.
        try await eventually(within: 10, "the publisher to tell of its reconnect") {
            events.contains { if case .reconnected(let server, _) = $0 { server.port == daemon.port } else { false } }
        }
        await subscriber.close()
        await publisher.close()
        try await eventually(within: 5, "the events to end with closed") { events.all.last == .closed(reason: nil) }
        try await restarted.stop()
    }

    @Test func aRequestAndAnAcknowledgedPublishInFlightFailAtOnceWithConnectionLost() async throws {
        let daemon = try await RunningDaemon.start([])
        let silent = try await SilentResponder(on: "slow", of: daemon)
        let client = try await daemon.connect(name: "requester")
        let request = Task { try await client.request("x", to: "slow", timeout: .seconds(30)) }
        // The request reached the responder, which does not answer in time.
        try await eventually(within: 10, "the request to be delivered") { silent.delivered }

        daemon.process.signal(SIGSTOP)
        try await Task.sleep(for: .milliseconds(100))
        let acknowledged = Task { try await client.publish("x", to: "orders", acknowledged: true) }
        try await Task.sleep(for: .milliseconds(300))
        let killed = ContinuousClock.now
        daemon.process.signal(SIGKILL)
        daemon.process.signal(SIGCONT)
        await #expect(throws: TernClientError.self) { _ = try await request.value }
        // Within 5 ms when this test runs alone; the bound leaves room for the kernel to tear
        // down the killed broker while the rest of the suite loads the machine.
        let failedAfter = ContinuousClock.now - killed
        #expect(failedAfter < .seconds(5), "failed at once, not at its 30 s timeout")
        print("a request in flight failed \(failedAfter.components.seconds * 1000 + failedAfter.components.attoseconds / 1_000_000_000_000_000) ms after the broker was killed")
        for outcome in [await request.result.map { _ in () }, await acknowledged.result] {
            guard case .failure(let error) = outcome, case TernClientError.connectionLost = error else {
                Issue.record("expected connectionLost, got \(outcome)")
                continue
            }
        }
        await client.close()
        await silent.stop()
    }

    @Test func aFullReconnectBufferRefusesThePublishAtOnce() async throws {
        let daemon = try await RunningDaemon.start([])
        var configuration = daemon.configuration(name: "publisher")
        configuration.reconnect?.bufferSize = 4096
        let publisher = try await TernClient.connect(configuration)
        let events = EventRecorder(publisher)
        daemon.process.signal(SIGKILL)
        _ = try await daemon.process.wait()
        try await eventually(within: 10, "the publisher to notice") { events.contains { if case .disconnected = $0 { true } else { false } } }
        let payload = ByteBuffer(repeating: 7, count: 1000)
        var accepted = 0
        let started = ContinuousClock.now
        do {
            while accepted < 100 {
                try await publisher.publish(payload, to: "bulk")
                accepted += 1
            }
            Issue.record("100 KB went into a 4 KiB buffer")
        } catch TernClientError.reconnectBufferFull(let limit) {
            #expect(limit == 4096)
        }
        #expect(accepted == 4, "four 1000-byte publishes and their frame headers fit in 4 KiB, a fifth does not")
        #expect(ContinuousClock.now - started < .seconds(1), "refused at once")
        await publisher.close()
    }

    @Test func aClientFailsOverToTheSecondBrokerWithItsQueueGroupAndReadAsSubscription() async throws {
        let first = try await RunningDaemon.start([])
        // The second broker has the first one's certificate, and a registry of its own with the
        // same schema registered.
        let second = try await first.startAnother()
        let definition = "record Order { id: string }"
        let schema = try await first.connect(name: "registrar").registerSchema(definition, subject: "orders")
        #expect(try await second.connect(name: "registrar").registerSchema(definition, subject: "orders").reference == schema.reference)
        var configuration = first.configuration(name: "worker")
        configuration.servers = [.init(host: "127.0.0.1", port: first.port), .init(host: "127.0.0.1", port: second.port)]
        configuration.randomizeServers = false
        let worker = try await TernClient.connect(configuration)
        #expect(worker.connectedServer?.port == first.port)
        let subscription = try await worker.subscribe(to: "orders.*", queueGroup: "workers", readAs: schema.reference)

        first.process.signal(SIGKILL)
        _ = try await first.process.wait()
        try await eventually(within: 10, "the worker to fail over") { worker.connectedServer?.port == second.port }
        let publisher = try await second.connect(name: "publisher")
        let order = try Schema(parsing: schema.definition).encode(.record(["id": .string("o-1")]))
        let message = try await firstMessage(of: subscription) {
            try await publisher.publish(ByteBuffer(bytes: order), to: "orders.placed", schema: schema.reference)
        }
        #expect(message.schema == schema.reference, "read as the registered version on the second broker too")
        await worker.close()
        await publisher.close()
        try await second.stop()
    }
}

/// SIGUSR2: lame duck mode moves every client of one broker to another within its duration.
@Suite(.timeLimit(.minutes(2))) struct LameDuckTests {
    @Test func sigusr2MovesEveryClientToTheOtherBrokerWithinTheDurationAndTheBrokerExitsZero() async throws {
        let leaving = try await RunningDaemon.start(["--lame-duck-duration", "2s"])
        let staying = try await leaving.startAnother()
        var configuration = leaving.configuration(name: "worker")
        configuration.servers = [.init(host: "127.0.0.1", port: leaving.port), .init(host: "127.0.0.1", port: staying.port)]
        configuration.randomizeServers = false
        var clients: [TernClient] = []
        var recorders: [EventRecorder] = []
        for _ in 0..<8 {
            let client = try await TernClient.connect(configuration)
            clients.append(client)
            recorders.append(EventRecorder(client))
        }
        #expect(clients.allSatisfy { $0.serverInfo.features.contains(.lameDuck) })
        let subscription = try await clients[0].subscribe(to: "after.>")
        let servers = ["--server", "127.0.0.1:\(leaving.port),127.0.0.1:\(staying.port)"]
        let subscriber = try await ChildProcess("tern", ["sub", "cli.>"] + servers, in: leaving.directory)
        defer { subscriber.signal(SIGKILL) }
        try await eventually(within: 30, "tern sub to be connected") {
            _ = try await run("tern", ["pub", "cli.x", "ready"] + servers, in: leaving.directory)
            return subscriber.standardOutput.contains("ready")
        }

        let signalled = ContinuousClock.now
        leaving.process.signal(SIGUSR2)
        try await eventually(within: 10, "every client to move") {
            clients.allSatisfy { $0.connectedServer?.port == staying.port }
        }
        // Within the 2 s duration and a reconnect, with room for a loaded machine's slow reconnects.
        #expect(ContinuousClock.now - signalled < .seconds(6), "within the 2 s duration, and a reconnect")
        #expect(try await leaving.process.wait(seconds: 10) == 0, "\(leaving.process.standardError)")
        #expect(leaving.process.standardError.contains("lame duck mode"), "\(leaving.process.standardError)")
        #expect(recorders.allSatisfy { $0.contains { if case .lameDuck = $0 { true } else { false } } })
        try await eventually(within: 10, "tern sub to move") { subscriber.standardError.contains("reconnected to 127.0.0.1:\(staying.port)") }
        #expect(subscriber.standardError.contains("is leaving (lame duck mode)"), "\(subscriber.standardError)")

        let mover = clients[1]
        let moved = try await firstMessage(of: subscription) { try await mover.publish("moved", to: "after.lame-duck") }
        #expect(moved.string == "moved")
        try await eventually(within: 10, "tern sub to get a message on the other broker") {
            _ = try await run("tern", ["pub", "cli.x", "moved"] + servers, in: leaving.directory)
            return subscriber.standardOutput.contains("moved")
        }
        for client in clients { await client.close() }
        try await staying.stop()
    }
}

/// The payloads of the first `count` messages of a subscription.
private final class Collector: Sendable {
    private let task: Task<[String], Never>
    private let done = NIOLockedValueBox(false)

    init(_ subscription: TernSubscription, count: Int) {
        let done = self.done
        task = Task {
            var payloads: [String] = []
            do {
                for try await message in subscription {
                    payloads.append(message.string)
                    if payloads.count == count { break }
                }
            } catch {
                payloads.append("error: \(error)")
            }
            done.withLockedValue { $0 = true }
            return payloads
        }
    }

    deinit { task.cancel() }

    var isDone: Bool { done.withLockedValue { $0 } }
    var value: [String] { get async { await task.value } }
}

/// The events of a client, as they happen.
final class EventRecorder: Sendable {
    private let events = NIOLockedValueBox<[TernClientEvent]>([])
    private let task: Task<Void, Never>

    init(_ client: TernClient) {
        let events = self.events
        let stream = client.events
        task = Task { for await event in stream { events.withLockedValue { $0.append(event) } } }
    }

    deinit { task.cancel() }

    var all: [TernClientEvent] { events.withLockedValue { $0 } }

    func contains(_ predicate: (TernClientEvent) -> Bool) -> Bool {
        all.contains(where: predicate)
    }
}

/// The first message `subscription` gets while `publish` runs every 50 ms, for up to `seconds`:
/// a subscription made again after a reconnect misses what was published before it was (core
/// pub/sub is at most once), so one publish right after the reconnect may not reach it.
private func firstMessage(
    of subscription: TernSubscription, within seconds: Int = 10, publishing publish: @escaping @Sendable () async throws -> Void
) async throws -> TernMessage {
    try await withThrowingTaskGroup(of: TernMessage?.self) { group in
        group.addTask {
            var messages = subscription.makeAsyncIterator()
            return try await messages.next()
        }
        group.addTask {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline {
                try await publish()
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let message = first else {
            throw TimedOut(what: "a message on \(subscription.pattern)")
        }
        return message
    }
}
