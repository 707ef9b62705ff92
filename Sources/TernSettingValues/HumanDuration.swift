/// A duration as people write it: a number with a unit, `us`, `ms`, `s`, `m` or `h` (`100us`,
/// `250ms`, `5s`, `1.5m`); a bare number is seconds. It is kept to the microsecond. Values beyond
/// what a `Duration` of microseconds holds saturate, so that a range check can refuse them by name.
public struct HumanDuration: LosslessStringConvertible, Sendable, Hashable {
    public var duration: Duration

    public init(_ duration: Duration) {
        self.duration = duration
    }

    /// Parses a duration; `nil` for anything else or a negative one.
    public init?(_ text: String) {
        // `us` and `ms` before `s`, which ends them too.
        let units: [(suffix: String, seconds: Double)] = [("us", 0.000_001), ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let unit = units.first { text.hasSuffix($0.suffix) } ?? ("", 1)
        guard let value = Double(text.dropLast(unit.suffix.count)), value >= 0, value.isFinite else { return nil }
        let microseconds = (value * unit.seconds * 1_000_000).rounded()
        self.duration = .microseconds(microseconds < Double(Int64.max) ? Int64(microseconds) : .max)
    }

    /// The duration in nanoseconds, saturating at `Int64.max`.
    public var nanoseconds: Int64 { whole(perSecond: 1_000_000_000) }

    /// The duration in whole milliseconds, saturating at `Int64.max`.
    public var milliseconds: Int64 { whole(perSecond: 1000) }

    /// The duration in whole units of which a second holds `perSecond`, saturating at `Int64.max`.
    private func whole(perSecond: Int64) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: perSecond)
        return overflow ? .max : product + attoseconds / (1_000_000_000_000_000_000 / perSecond)
    }

    /// The duration in the largest unit that divides it: `24h`, `90s`, `250ms`, `100us`.
    public var description: String {
        let microseconds = whole(perSecond: 1_000_000)
        if microseconds != .max && microseconds % 1000 != 0 { return "\(microseconds)us" }
        let milliseconds = self.milliseconds
        for (suffix, factor) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where milliseconds >= factor && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
