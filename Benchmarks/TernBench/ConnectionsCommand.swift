import ArgumentParser
import TernCommandSupport

/// `tern-bench connections`: how fast clients connect, and what each costs a local broker.
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "Open N client connections (TLS unless --no-tls), hold them, and report the rate and the broker's memory per connection.",
        discussion: """
            The broker's memory is its resident set size (VmRSS in /proc/PID/status) before and \
            after the connections opened. Its PID is --broker-pid, or the process listening on the \
            --server port when that is a loopback address (found through /proc/net/tcp and \
            /proc/*/fd; Linux, same user or root).
            """
    )

    @Option(help: "Connections to open (default 100; not with --duration).")
    var connections: Int?

    @Option(help: "Connections being opened at once.")
    var concurrency = 10

    @Option(help: ArgumentHelp("The broker's process ID, for reading its memory.", valueName: "pid"))
    var brokerPID: Int32?

    @OptionGroup var options: BenchOptions

    func validate() throws {
        if let connections, connections < 1 { throw ValidationError("--connections must be at least 1") }
        if connections != nil && options.duration != nil { throw ValidationError("give --connections or --duration, not both") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        try await reportingFailures {
            let loopback = ["127.", "localhost", "::1"].contains { options.connection.server.first.host.hasPrefix($0) }
            let pid = brokerPID ?? (loopback ? BrokerProcess.pid(listeningOn: options.connection.server.first.port) : nil)
            let benchmark = ConnectionsBenchmark(
                connections: options.duration == nil ? connections ?? 100 : nil,
                duration: options.duration?.duration, warmup: options.warmup?.duration, concurrency: concurrency,
                configuration: try options.configuration(clientName: "tern-bench"), brokerPID: pid
            )
            let outcome = try await benchmark.run()
            var fields = options.leadingFields(scenario: "connections") + [
                ReportField("connections", "connections", .int(outcome.connected)),
                ReportField("concurrency", "opened at once", .int(concurrency)),
                ReportField("seconds", "time", .double(outcome.seconds), unit: "s"),
                ReportField("connections_per_sec", "connect rate", .double(Double(outcome.connected) / outcome.seconds), unit: "conn/s"),
            ]
            if let pid, let before = outcome.brokerMemoryBefore, let after = outcome.brokerMemoryAfter {
                fields += [
                    ReportField("broker_pid", "broker PID", .identifier(Int(pid))),
                    ReportField("broker_rss_before_bytes", "broker memory before", .int(before), unit: "B"),
                    ReportField("broker_rss_after_bytes", "broker memory after", .int(after), unit: "B"),
                    ReportField("rss_bytes_per_connection", "memory per connection", .int((after - before) / outcome.connected), unit: "B"),
                ]
            } else if let pid {
                StandardError.writeLine("tern-bench: cannot read the broker's memory from /proc/\(pid)/status")
            } else {
                StandardError.writeLine("tern-bench: the broker's memory is unknown: no process here listens on \(options.connection.server.first) (pass --broker-pid)")
            }
            fields += outcome.latency.fields(labelled: "connect time")
            try options.emit(Report(fields: fields), latency: outcome.latency)
        }
    }
}
