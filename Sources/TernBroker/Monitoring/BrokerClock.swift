#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore

/// When the broker started, on the wall clock and on the monotonic one its connections and
/// timers use, so that a moment of the one can be told as a time of day.
struct BrokerClock: Sendable {
    let startedAt: Date
    let startedUptime: NIODeadline

    init() {
        startedAt = Date()
        startedUptime = .now()
    }

    /// The time of day of the moment `deadline`.
    func date(of deadline: NIODeadline) -> Date {
        startedAt + Double((deadline - startedUptime).nanoseconds) / 1e9
    }

    /// When the broker started, in seconds since 1970.
    var startedAtUnixTime: Double { startedAt.timeIntervalSince1970 }

    /// Seconds since the broker started.
    var uptime: Double {
        Double((NIODeadline.now() - startedUptime).nanoseconds) / 1e9
    }
}
