import ArgumentParser
import TernCommandSupport

/// `tern-bench reconnect`: how fast many clients come back after their broker restarts.
struct ReconnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconnect",
        abstract: "Connect N subscribed clients, wait for their broker to restart (or go lame duck), and report how long until all are back.",
        discussion: """
            Once the clients are connected and subscribed, restart the broker (or send it \
            SIGUSR2 with other brokers in --server). The clients reconnect with their default \
            backoff and jitter; every 20 ms a probe client publishes to the topic of each \
            client that is back and has not had a message since, until each one that lost its \
            connection got one. Several processes may run it side by side against one broker. Reports the time from the first \
            disconnect until the last reconnect and until the last resubscribed client got a \
            message, and each client's time from its disconnect to that message.
            """
    )

    @Option(help: "Clients to connect.")
    var clients = 1000

    @Option(help: "Clients being connected at once.")
    var concurrency = 50

    @Option(help: ArgumentHelp("How long to wait for the storm to start, and then for it to end (ms, s, m).", valueName: "duration"))
    var patience = DurationArgument(.seconds(60))

    @OptionGroup var options: BenchOptions

    func validate() throws {
        guard clients >= 1 else { throw ValidationError("--clients must be at least 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        try await reportingFailures {
            let benchmark = ReconnectBenchmark(
                clients: clients, concurrency: concurrency,
                configuration: try options.configuration(clientName: "tern-bench storm", reconnecting: true), patience: patience.duration
            )
            let outcome = try await benchmark.run()
            var fields = options.leadingFields(scenario: "reconnect") + [
                ReportField("clients", "clients", .int(outcome.clients)),
                ReportField("disconnected", "lost their connection", .int(outcome.disconnected)),
                ReportField("reconnected", "reconnected", .int(outcome.reconnected)),
                ReportField("resubscribed", "back and subscribed", .int(outcome.resubscribed)),
            ]
            if let seconds = outcome.secondsUntilAllReconnected {
                fields.append(ReportField("seconds_until_all_reconnected", "all reconnected after", .double(seconds), unit: "s"))
            }
            if let seconds = outcome.secondsUntilAllResubscribed {
                fields.append(ReportField("seconds_until_all_resubscribed", "all resubscribed after", .double(seconds), unit: "s"))
            }
            fields += outcome.latency.fields(labelled: "time to come back")
            try options.emit(Report(fields: fields), latency: outcome.latency)
            if outcome.resubscribed < outcome.disconnected {
                throw BenchFailure("\(outcome.disconnected - outcome.resubscribed) of \(outcome.disconnected) clients did not come back within \(patience.duration)")
            }
        }
    }
}
