/// A duration as people write it: a number with a unit, `ms`, `s`, `m` or `h` (`250ms`, `5s`,
/// `1.5m`); a bare number is seconds. Values beyond what a `Duration` of milliseconds holds
/// saturate, so that a range check can refuse them by name.
public struct HumanDuration: LosslessStringConvertible, Sendable, Hashable {
    public var duration: Duration

    public init(_ duration: Duration) {
        self.duration = duration
    }

    /// Parses a duration; `nil` for anything else or a negative one.
    public init?(_ text: String) {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let unit = units.first { text.hasSuffix($0.suffix) } ?? ("", 1)
        guard let value = Double(text.dropLast(unit.suffix.count)), value >= 0, value.isFinite else { return nil }
        let milliseconds = (value * unit.seconds * 1000).rounded()
        self.duration = .milliseconds(milliseconds < Double(Int64.max) ? Int64(milliseconds) : .max)
    }

    /// The duration in nanoseconds, saturating at `Int64.max`.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product + attoseconds / 1_000_000_000
    }

    /// The duration in whole milliseconds, saturating at `Int64.max`.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? .max : product + attoseconds / 1_000_000_000_000_000
    }

    /// The duration in the largest unit that divides it: `24h`, `90s`, `250ms`.
    public var description: String {
        let milliseconds = self.milliseconds
        for (suffix, factor) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where milliseconds >= factor && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
