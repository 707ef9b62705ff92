import ArgumentParser
import TernClient
import TernCommandSupport

/// The options every scenario shares: where the broker is, how to secure the connection,
/// how long to run, and where the results go.
struct BenchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The broker's address.", valueName: "host:port"))
    var server = ServerAddress(host: TernClient.Configuration.Server.local.host, port: TernClient.Configuration.Server.local.port)

    @Option(help: ArgumentHelp(
        "A PEM file of the CAs to trust (default: \(TernClient.Configuration.defaultCAFile) when it exists, else the system's CAs).",
        valueName: "file"
    ))
    var ca: String?

    @Option(help: ArgumentHelp("A PEM client certificate, for brokers that require one.", valueName: "file"))
    var cert: String?

    @Option(help: ArgumentHelp("The PEM private key of --cert.", valueName: "file"))
    var key: String?

    @Flag(name: .customLong("no-tls"), help: "Connect without TLS (brokers started with --no-tls).")
    var noTLS = false

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
        guard (cert == nil) == (key == nil) else {
            throw ValidationError("--cert and --key go together")
        }
        if noTLS && (ca != nil || cert != nil) {
            throw ValidationError("--no-tls cannot be combined with --ca, --cert or --key")
        }
        if let duration, duration.duration <= .zero {
            throw ValidationError("--duration must be longer than zero")
        }
    }

    /// The client configuration these options describe, named `clientName`.
    func configuration(clientName: String) -> TernClient.Configuration {
        var configuration = TernClient.Configuration(server: .init(host: server.host, port: server.port), clientName: clientName)
        if noTLS {
            configuration.security = .plaintext
        } else if ca != nil || cert != nil {
            let defaultCA: String? = if case .tls(let caFile, _, _, _) = configuration.security { caFile } else { nil }
            configuration.security = .tls(caFile: ca ?? defaultCA, certificateFile: cert, keyFile: key, serverName: nil)
        }
        return configuration
    }

    /// The fields every report starts with.
    func leadingFields(scenario: String) -> [ReportField] {
        [
            ReportField("scenario", "scenario", .string(scenario)),
            ReportField("broker", "broker", .string("ternd")),
            ReportField("server", "server", .string(server.description)),
            ReportField("tls", "TLS", .bool(!noTLS)),
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
