import NIOCore
import TernMonitoring

/// The broker's message and byte rates over the last second: the totals are sampled once a
/// second, and the rates are the difference between the last two samples.
struct BrokerRates {
    /// How often the totals are sampled.
    static let period = TimeAmount.seconds(1)

    private struct Sample {
        var at: NIODeadline
        var totals: (UInt64, UInt64, UInt64, UInt64)
    }

    private var previous: Sample?
    private var latest: Sample?

    mutating func sample(_ statistics: BrokerStatistics.Snapshot, at now: NIODeadline) {
        previous = latest
        latest = Sample(
            at: now, totals: (statistics.published, statistics.publishedBytes, statistics.delivered, statistics.deliveredBytes)
        )
    }

    /// Per second, between the last two samples; 0 before there are two.
    var current: ServerStats.Rates {
        guard let previous, let latest, latest.at > previous.at else {
            return ServerStats.Rates(messagesReceived: 0, bytesReceived: 0, messagesDelivered: 0, bytesDelivered: 0)
        }
        let seconds = Double((latest.at - previous.at).nanoseconds) / 1e9
        func rate(_ now: UInt64, _ before: UInt64) -> Double { Double(now &- min(now, before)) / seconds }
        return ServerStats.Rates(
            messagesReceived: rate(latest.totals.0, previous.totals.0), bytesReceived: rate(latest.totals.1, previous.totals.1),
            messagesDelivered: rate(latest.totals.2, previous.totals.2), bytesDelivered: rate(latest.totals.3, previous.totals.3)
        )
    }
}
