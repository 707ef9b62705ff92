import TernCommandSupport

/// The values a numeric setting may take, checked wherever the value came from (a flag or the
/// config file), with a one-line refusal that names the setting and its limits.
struct SettingRange {
    /// The largest size any setting takes: 1 TiB.
    static let maxBytes = 1 << 40
    /// The most messages a mailbox or queue holds.
    static let maxMessages = 1 << 30
    /// The longest duration any setting takes: a day.
    static let maxDuration = Duration.seconds(86_400)

    static func check(_ value: Int, _ name: String, in range: ClosedRange<Int>) throws(DaemonError) {
        guard range.contains(value) else {
            throw DaemonError("\(name) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
    }

    static func check(_ size: ByteCountArgument, _ name: String, in range: ClosedRange<Int>) throws(DaemonError) {
        guard range.contains(size.bytes) else {
            throw DaemonError(
                "\(name) must be between \(ByteCountArgument(bytes: range.lowerBound)) and \(ByteCountArgument(bytes: range.upperBound)), not \(size)"
            )
        }
    }

    /// Checks `duration` against `range`; with `allowingZero`, 0 (meaning "off") passes too.
    static func check(_ duration: DurationArgument, _ name: String, in range: ClosedRange<Duration>, allowingZero: Bool = false) throws(DaemonError) {
        guard range.contains(duration.duration) || (allowingZero && duration.duration == .zero) else {
            let bounds = "between \(DurationArgument(range.lowerBound)) and \(DurationArgument(range.upperBound))"
            throw DaemonError("\(name) must be \(allowingZero ? "0 or " : "")\(bounds), not \(duration)")
        }
    }
}
