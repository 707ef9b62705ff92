import ArgumentParser
import TernCommandSupport

/// `tern-bench reqrep`: request/reply round trips through the broker.
struct ReqRepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reqrep",
        abstract: "Send requests to a responder that echoes them; measure requests per second and round-trip latency.",
        discussion: """
            The responder and the requester are two connections of this process. The requester keeps \
            --concurrency requests in flight; the run fails when a request fails or a reply is not the \
            echo of its request.
            """
    )

    @Option(help: "Requests to make (default 10000; not with --duration).")
    var requests: Int?

    @Option(help: ArgumentHelp("Payload size of requests and replies (e.g. 128, 16KiB).", valueName: "bytes"))
    var size = ByteCountArgument(bytes: 128)

    @Option(help: "Requests in flight at once.")
    var concurrency = 1

    @OptionGroup var options: BenchOptions

    func validate() throws {
        if let requests, requests < 1 { throw ValidationError("--requests must be at least 1") }
        if requests != nil && options.duration != nil { throw ValidationError("give --requests or --duration, not both") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        try await reportingFailures {
            let benchmark = ReqRepBenchmark(
                requests: options.duration == nil ? requests ?? 10_000 : nil,
                duration: options.duration?.duration, warmup: options.warmup?.duration,
                size: size.bytes, concurrency: concurrency, configuration: try options.configuration(clientName: "tern-bench")
            )
            let outcome = try await benchmark.run()
            let fields = options.leadingFields(scenario: "reqrep") + [
                ReportField("requests", "requests", .int(outcome.completed)),
                ReportField("concurrency", "in flight", .int(concurrency)),
                ReportField("size", "payload size", .int(size.bytes), unit: "B"),
                ReportField("seconds", "time", .double(outcome.seconds), unit: "s"),
                ReportField("requests_per_sec", "request rate", .double(Double(outcome.completed) / outcome.seconds), unit: "req/s"),
            ] + outcome.latency.fields(labelled: "round trip")
            try options.emit(Report(fields: fields), latency: outcome.latency)
        }
    }
}
