import NIOConcurrencyHelpers

/// What each client of a reconnect storm went through, in nanoseconds of ``MonotonicClock``:
/// when it lost its connection, when it reconnected, and when a message reached its
/// subscription again after that.
final class ReconnectStorm: Sendable {
    private struct Client {
        var disconnected: UInt64?
        var reconnected: UInt64?
        var resubscribed: UInt64?
    }

    private let clients: NIOLockedValueBox<[Client]>

    init(count: Int) {
        clients = NIOLockedValueBox(Array(repeating: Client(), count: count))
    }

    func disconnected(_ index: Int) {
        clients.withLockedValue { $0[index].disconnected = $0[index].disconnected ?? MonotonicClock.nanoseconds() }
    }

    func reconnected(_ index: Int) {
        clients.withLockedValue { $0[index].reconnected = MonotonicClock.nanoseconds() }
    }

    /// A message reached client `index`'s subscription: it counts once the client is back.
    func received(_ index: Int) {
        clients.withLockedValue { clients in
            guard clients[index].reconnected != nil, clients[index].resubscribed == nil else { return }
            clients[index].resubscribed = MonotonicClock.nanoseconds()
        }
    }

    /// The clients that reconnected and have not had a message since: those a probe is for.
    var awaitingMessage: [Int] {
        clients.withLockedValue { clients in
            clients.indices.filter { clients[$0].reconnected != nil && clients[$0].resubscribed == nil }
        }
    }

    /// When the first client lost its connection.
    var firstDisconnect: UInt64? {
        clients.withLockedValue { $0.compactMap(\.disconnected).min() }
    }

    /// Whether every client that lost its connection is back and subscribed, and at least one did.
    var isOver: Bool {
        clients.withLockedValue { clients in
            let lost = clients.filter { $0.disconnected != nil }
            return !lost.isEmpty && lost.allSatisfy { $0.resubscribed != nil }
        }
    }

    /// The counts and times of the storm.
    func outcome() -> ReconnectBenchmark.Outcome {
        clients.withLockedValue { clients in
            let start = clients.compactMap(\.disconnected).min() ?? 0
            var latency = LatencyHistogram()
            for client in clients {
                if let disconnected = client.disconnected, let resubscribed = client.resubscribed {
                    latency.record(nanoseconds: resubscribed - disconnected)
                }
            }
            let seconds = { (times: [UInt64]) in times.max().map { Double($0 - start) / 1e9 } }
            return ReconnectBenchmark.Outcome(
                clients: clients.count, disconnected: clients.count { $0.disconnected != nil },
                reconnected: clients.count { $0.reconnected != nil }, resubscribed: clients.count { $0.resubscribed != nil },
                secondsUntilAllReconnected: seconds(clients.compactMap(\.reconnected)),
                secondsUntilAllResubscribed: seconds(clients.compactMap(\.resubscribed)), latency: latency
            )
        }
    }
}
