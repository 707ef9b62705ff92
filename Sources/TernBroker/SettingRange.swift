import TernSettingValues

/// The values a numeric setting may take, and the refusal that names its limits when a value
/// is outside them: `must be between 1MiB and 1024GiB, not 0`.
enum SettingRange {
    /// The largest size any setting takes: 1 TiB.
    static let maxBytes = 1 << 40
    /// The most messages a mailbox or queue holds.
    static let maxMessages = 1 << 30
    /// The longest duration any setting takes: a day.
    static let maxDuration = Duration.seconds(86_400)

    static func problem(with value: Int, in range: ClosedRange<Int>) -> String? {
        range.contains(value) ? nil : "must be between \(range.lowerBound) and \(range.upperBound), not \(value)"
    }

    static func problem(with size: ByteCount, in range: ClosedRange<Int>) -> String? {
        range.contains(size.bytes) ? nil : "must be between \(ByteCount(bytes: range.lowerBound)) and \(ByteCount(bytes: range.upperBound)), not \(size)"
    }

    /// Checks `duration` against `range`; with `allowingZero`, 0 (meaning "off") passes too.
    static func problem(with duration: HumanDuration, in range: ClosedRange<Duration>, allowingZero: Bool) -> String? {
        guard !range.contains(duration.duration), !(allowingZero && duration.duration == .zero) else { return nil }
        let bounds = "between \(HumanDuration(range.lowerBound)) and \(HumanDuration(range.upperBound))"
        return "must be \(allowingZero ? "0 or " : "")\(bounds), not \(duration)"
    }
}
