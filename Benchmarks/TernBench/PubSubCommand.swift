import ArgumentParser
import TernCommandSupport

/// `tern-bench pubsub`: publishers and subscribers on one broker, every subscriber receiving
/// every publisher's messages.
struct PubSubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubsub",
        abstract: "Publish from N connections to M subscribing connections; measure throughput and publish-to-delivery latency.",
        discussion: """
            Publisher i publishes to topic i mod T; every subscriber subscribes to all T topics, so each \
            receives every publisher's messages. Each payload carries the publisher and a sequence number \
            in its first 16 bytes, and every Nth (--latency-every) its send time; the run fails when any \
            subscriber missed a message or got one out of order.
            """
    )

    @Option(help: "Publishing connections.")
    var publishers = 1

    @Option(help: "Subscribing connections.")
    var subscribers = 1

    @Option(help: "Messages per publisher (default 100000; not with --duration).")
    var messages: Int?

    @Option(help: ArgumentHelp("Payload size, at least 16 bytes (e.g. 128, 16KiB).", valueName: "bytes"))
    var size = ByteCountArgument(bytes: 128)

    @Option(help: "Topics the publishers spread over (at most --publishers).")
    var topics = 1

    @Option(help: ArgumentHelp("Publish at most this many messages per second over all publishers.", valueName: "msgs-per-sec"))
    var rate: Double?

    @Option(help: ArgumentHelp("Time every Nth message of each publisher (and its last) for the latency figures; 1 times every message.", valueName: "n"))
    var latencyEvery = 16

    @Option(name: .customLong("subscriber-server"), help: ArgumentHelp(
        "Connect the subscribers to this broker, another node of the publishers' cluster (default: --server).", valueName: "host:port"
    ))
    var subscriberServer: ServerAddress?

    @OptionGroup var options: BenchOptions

    func validate() throws {
        guard (1...PayloadStamp.maxPublishers).contains(publishers) else {
            throw ValidationError("--publishers must be between 1 and \(PayloadStamp.maxPublishers)")
        }
        guard subscribers >= 1 else { throw ValidationError("--subscribers must be at least 1") }
        guard (1...publishers).contains(topics) else { throw ValidationError("--topics must be between 1 and --publishers") }
        guard size.bytes >= PayloadStamp.byteCount else {
            throw ValidationError("--size must be at least \(PayloadStamp.byteCount) bytes: the payload carries a sequence number and a timestamp")
        }
        if let messages, messages < 1 { throw ValidationError("--messages must be at least 1") }
        if messages != nil && options.duration != nil { throw ValidationError("give --messages or --duration, not both") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be above zero") }
        guard latencyEvery >= 1 else { throw ValidationError("--latency-every must be at least 1") }
    }

    func run() async throws {
        try await reportingFailures {
            let plan = PubSubBenchmark.Plan(
                publishers: publishers, subscribers: subscribers,
                messages: options.duration == nil ? messages ?? 100_000 : nil,
                duration: options.duration?.duration, warmup: options.warmup?.duration,
                size: size.bytes, topics: topics, rate: rate, latencyEvery: latencyEvery
            )
            var benchmark = PubSubBenchmark(plan: plan, configuration: try options.configuration(clientName: "tern-bench"))
            benchmark.subscriberServer = subscriberServer
            let result = PubSubResult(plan: plan, outcome: try await benchmark.run())
            try options.emit(Report(fields: options.leadingFields(scenario: "pubsub") + result.fields), latency: result.latency)
            guard result.check.isComplete else {
                let shown = 20
                for problem in result.check.problems.prefix(shown) { StandardError.writeLine("tern-bench: \(problem)") }
                if result.check.problems.count > shown {
                    StandardError.writeLine("tern-bench: … and \(result.check.problems.count - shown) more")
                }
                throw BenchFailure(result.check.summary)
            }
        }
    }
}
