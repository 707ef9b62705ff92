import ArgumentParser
import TernClient
import TernClientOptions
import TernCommandSupport

/// The options every scenario shares: where the broker is, how to secure the connection,
/// how long to run, and where the results go.
struct BenchOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Run the workload this long first, unmeasured (e.g. 2s).", valueName: "duration"))
    var warmup: DurationArgument?

    @Option(help: ArgumentHelp("Run for this long instead of a fixed count (e.g. 10s).", valueName: "duration"))
    var duration: DurationArgument?

    @Flag(help: "Print one JSON object on standard output instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Append the result as a CSV row (with a header line when the file is new).", valueName: "file"))
    var csv: String?

    @Option(help: ArgumentHelp("Write the latency distribution in HdrHistogram's text format (.hgrm, microseconds).", valueName: "file"))
    var hgrm: String?

    func validate() throws {
        try duration?.validate("--duration", within: .milliseconds(1)...ConnectionOptions.longestDuration)
        try warmup?.validate("--warmup", within: .zero...ConnectionOptions.longestDuration)
    }

    /// The client configuration these options describe, named `clientName`. A lost connection
    /// fails a measurement, so clients do not reconnect unless `reconnecting`.
    ///
    /// - Throws: ``BenchFailure`` when `--token-file` cannot be read.
    func configuration(clientName: String, reconnecting: Bool = false) throws(BenchFailure) -> TernClient.Configuration {
        do {
            return try connection.configuration(clientName: clientName, reconnecting: reconnecting)
        } catch {
            throw BenchFailure(error.description)
        }
    }

    /// The fields every report starts with.
    func leadingFields(scenario: String) -> [ReportField] {
        [
            ReportField("scenario", "scenario", .string(scenario)),
            ReportField("broker", "broker", .string("ternd")),
            ReportField("server", "server", .string(connection.server.description)),
            ReportField("tls", "TLS", .bool(!connection.noTLS)),
        ]
    }

    /// Prints `report` (JSON or a table), appends it to the CSV file and writes the latency
    /// distribution, as the options ask.
    func emit(_ report: Report, latency: LatencyHistogram) throws {
        print(json ? report.json : ReportTable.render(report))
        if let csv { try CSVFile.append(report, to: csv) }
        if let hgrm { try latency.writePercentileDistribution(toFile: hgrm) }
    }
}
