import ArgumentParser

/// A byte count on the command line: a whole number with an optional unit, `KiB`, `MiB`, `GiB`
/// (powers of 1024) or `KB`, `MB`, `GB` (powers of 1000): `64MiB`, `512KB`, `4096`.
public struct ByteCountArgument: ExpressibleByArgument, Sendable, Hashable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) {
        self.bytes = bytes
    }

    public init?(argument: String) {
        let units: [(suffix: String, factor: Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
        ]
        let unit = units.first { argument.hasSuffix($0.suffix) } ?? ("", 1)
        guard let value = Int(argument.dropLast(unit.suffix.count)), value >= 0 else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: unit.factor)
        guard !overflow else { return nil }
        self.bytes = bytes
    }

    public var description: String {
        for (suffix, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes)"
    }
}
