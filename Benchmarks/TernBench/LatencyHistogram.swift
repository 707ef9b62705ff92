import Foundation
import Histogram

/// Latencies in nanoseconds, with three significant digits, growing as needed.
struct LatencyHistogram: Sendable {
    private(set) var histogram: Histogram<UInt64>

    init() {
        histogram = Histogram(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
    }

    @inline(__always)
    mutating func record(nanoseconds: UInt64) {
        histogram.record(nanoseconds)
    }

    mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
    }

    var count: UInt64 { histogram.totalCount }

    /// The value at `percentile` (0–100) in microseconds.
    func microseconds(atPercentile percentile: Double) -> Double {
        Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    /// The percentiles every scenario reports, in microseconds, labelled `name` in the table.
    func fields(labelled name: String) -> [ReportField] {
        [
            ReportField("p50_us", "\(name) p50", .double(microseconds(atPercentile: 50)), unit: "µs"),
            ReportField("p90_us", "\(name) p90", .double(microseconds(atPercentile: 90)), unit: "µs"),
            ReportField("p99_us", "\(name) p99", .double(microseconds(atPercentile: 99)), unit: "µs"),
            ReportField("p999_us", "\(name) p99.9", .double(microseconds(atPercentile: 99.9)), unit: "µs"),
            ReportField("max_us", "\(name) max", .double(Double(histogram.max) / 1000), unit: "µs"),
        ]
    }

    /// Writes the percentile distribution in HdrHistogram's text format (values in
    /// microseconds), which HdrHistogram's plotter reads.
    func writePercentileDistribution(toFile path: String) throws {
        var text = ""
        histogram.outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1000)
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw BenchFailure("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
