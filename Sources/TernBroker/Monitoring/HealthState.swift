import NIOConcurrencyHelpers
import TernMonitoring

/// Where the broker is in its life, as `/healthz` tells it: starting, serving, in lame duck
/// mode, stopping. It only moves forward: a stopping broker never serves again.
final class HealthState: Sendable {
    private let report = NIOLockedValueBox(HealthReport(status: .starting, reason: "the broker is starting"))

    var current: HealthReport {
        report.withLockedValue { $0 }
    }

    /// The broker listens and serves clients.
    func serving() {
        report.withLockedValue { report in
            guard report.status == .starting else { return }
            report = HealthReport(status: .ok)
        }
    }

    /// The broker is in lame duck mode: it wants no new clients.
    func lameDuck() {
        report.withLockedValue { report in
            guard report.status != .stopping else { return }
            report = HealthReport(status: .lameDuck, reason: "the broker is in lame duck mode: its clients are moving to other brokers")
        }
    }

    /// The broker is shutting down.
    func stopping() {
        report.withLockedValue { $0 = HealthReport(status: .stopping, reason: "the broker is shutting down") }
    }
}
