import ArgumentParser

/// A duration on the command line: a number with a unit, `ms`, `s`, `m` or `h` (`250ms`, `5s`,
/// `1.5m`); a bare number is seconds. Values beyond what a `Duration` of milliseconds holds
/// saturate, so that a range check can refuse them by name.
public struct DurationArgument: ExpressibleByArgument, Sendable, Hashable, CustomStringConvertible {
    public var duration: Duration

    public init(_ duration: Duration) {
        self.duration = duration
    }

    public init?(argument: String) {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let unit = units.first { argument.hasSuffix($0.suffix) } ?? ("", 1)
        guard let value = Double(argument.dropLast(unit.suffix.count)), value >= 0, value.isFinite else { return nil }
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

    public var description: String {
        let milliseconds = self.milliseconds
        for (suffix, factor) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where milliseconds >= factor && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }

    /// A refusal naming `option` unless the duration is within `range`.
    public func validate(_ option: String, within range: ClosedRange<Duration>) throws {
        guard range.contains(duration) else {
            throw ValidationError("\(option) must be between \(DurationArgument(range.lowerBound)) and \(DurationArgument(range.upperBound)), not \(self)")
        }
    }
}
