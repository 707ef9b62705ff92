import ArgumentParser

/// A duration on the command line: a number with a unit, `ms`, `s`, `m` or `h` (`250ms`, `5s`,
/// `1.5m`); a bare number is seconds.
public struct DurationArgument: ExpressibleByArgument, Sendable, Hashable, CustomStringConvertible {
    public var duration: Duration

    public init(_ duration: Duration) {
        self.duration = duration
    }

    public init?(argument: String) {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let unit = units.first { argument.hasSuffix($0.suffix) } ?? ("", 1)
        guard let value = Double(argument.dropLast(unit.suffix.count)), value >= 0, value.isFinite else { return nil }
        self.duration = .milliseconds(Int64((value * unit.seconds * 1000).rounded()))
    }

    /// The duration in nanoseconds, saturating at `Int64.max`.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product + attoseconds / 1_000_000_000
    }

    public var description: String {
        let milliseconds = nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
