import Atomics
import TernClient
import TernCommandSupport

/// The reconnect scenario: many clients, each subscribed, lose their broker at once (it is
/// restarted, or put in lame duck mode, by whoever runs the scenario) and come back. Measures
/// how long until every one of them has reconnected and gets messages again.
///
/// Each client subscribes to a topic of its own, and the probe publishes only to the clients
/// that are back and have not had a message yet: probing costs the broker a few deliveries,
/// not one to every client already back every 20 ms, which on a slow broker would be the load
/// that keeps the others out.
struct ReconnectBenchmark {
    /// The topic of client `index`; `run` tells processes that run the scenario side by side apart.
    static func topic(run: String, client index: Int) -> String {
        "tern-bench.storm.\(run).\(index)"
    }

    var clients: Int
    var concurrency: Int
    /// Reconnecting clients' configuration.
    var configuration: TernClient.Configuration
    /// How long to wait for the storm to start, and then for it to end.
    var patience: Duration

    struct Outcome {
        var clients: Int
        /// Clients that lost their connection.
        var disconnected: Int
        /// Of those, clients that connected again.
        var reconnected: Int
        /// Of those, clients that got a message on their subscription after reconnecting.
        var resubscribed: Int
        /// From the first disconnect until the last reconnect, and the last message received.
        var secondsUntilAllReconnected: Double?
        var secondsUntilAllResubscribed: Double?
        /// Per client, from its disconnect until it got a message again.
        var latency: LatencyHistogram
    }

    func run() async throws -> Outcome {
        ConnectionsBenchmark.raiseOpenFileLimit()
        let opener = ConnectionsBenchmark(
            connections: clients, duration: nil, warmup: nil, concurrency: concurrency, configuration: configuration, brokerPID: nil
        )
        let progress = ManagedAtomic(0)
        let total = clients
        let (connected, _) = try await ProgressBar.showing("connecting", fraction: { Double(progress.load(ordering: .relaxed)) / Double(total) }) {
            try await opener.open(count: clients, for: nil, progress: progress)
        }
        do {
            let outcome = try await storm(of: connected)
            await connected.closeAll()
            return outcome
        } catch {
            await connected.closeAll()
            throw error
        }
    }

    /// Subscribes each client, waits for their connections to drop, and probes until every one
    /// is back.
    private func storm(of connected: [TernClient]) async throws -> Outcome {
        let storm = ReconnectStorm(count: connected.count)
        let run = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let probe = try await TernClient.connect(configuration.named("tern-bench probe"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, client) in connected.enumerated() {
                let subscription = try await client.subscribe(to: Self.topic(run: run, client: index))
                let events = client.events
                group.addTask {
                    for await event in events {
                        switch event {
                        case .disconnected: storm.disconnected(index)
                        case .reconnected: storm.reconnected(index)
                        default: break
                        }
                    }
                }
                group.addTask {
                    for try await _ in subscription { storm.received(index) }
                }
            }
            StandardError.writeLine("tern-bench: \(connected.count) clients connected and subscribed; restart the broker (or send it SIGUSR2) to start the storm")
            let deadline = ContinuousClock.now + patience
            while storm.firstDisconnect == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            guard storm.firstDisconnect != nil else { throw BenchFailure("no client lost its connection within \(patience)") }
            let end = ContinuousClock.now + patience
            while !storm.isOver, ContinuousClock.now < end {
                for index in storm.awaitingMessage {
                    try? await probe.publish("probe", to: Self.topic(run: run, client: index))
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            group.cancelAll()
        }
        await probe.close()
        return storm.outcome()
    }
}
