import ArgumentParser
import TernSettingValues

/// A duration on the command line (`250ms`, `5s`, `1.5m`; a bare number is seconds).
public typealias DurationArgument = HumanDuration

extension HumanDuration: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }

    /// A refusal naming `option` unless the duration is within `range`.
    public func validate(_ option: String, within range: ClosedRange<Duration>) throws {
        guard range.contains(duration) else {
            throw ValidationError("\(option) must be between \(HumanDuration(range.lowerBound)) and \(HumanDuration(range.upperBound)), not \(self)")
        }
    }
}
