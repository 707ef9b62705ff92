/// A byte count as people write it: a whole number with an optional unit, `KiB`, `MiB`, `GiB`
/// (powers of 1024) or `KB`, `MB`, `GB` (powers of 1000): `64MiB`, `512KB`, `4096`.
public struct ByteCount: LosslessStringConvertible, Sendable, Hashable {
    public var bytes: Int

    public init(bytes: Int) {
        self.bytes = bytes
    }

    /// Parses a byte count; `nil` for anything else, a negative number or one that overflows.
    public init?(_ text: String) {
        let units: [(suffix: String, factor: Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
        ]
        let unit = units.first { text.hasSuffix($0.suffix) } ?? ("", 1)
        guard let value = Int(text.dropLast(unit.suffix.count)), value >= 0 else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: unit.factor)
        guard !overflow else { return nil }
        self.bytes = bytes
    }

    /// The count in the largest binary unit that divides it: `64MiB`, `1536KiB`, `100`.
    public var description: String {
        for (suffix, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes)"
    }
}
