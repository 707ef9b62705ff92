import Foundation
import NIOPosix
import Testing
import TernChildProcesses
import TernMonitoring
import TernProtocol

/// `ternd --monitor` as an operator runs it: a `tern-bench` workload counted exactly in
/// `/metrics`, a real Prometheus scraping it, `tern stats` and `tern top` reading it.
@Suite(.serialized, .timeLimit(.minutes(3))) struct MonitoredDaemonTests {
    @Test func aBenchmarkRunIsCountedExactlyAndScrapedByPrometheus() async throws {
        let monitorPort = try await Loopback.freePort()
        let monitorAddress = ServerAddress(host: "127.0.0.1", port: monitorPort)
        let daemon = try await RunningDaemon.start(["--monitor", "\(monitorAddress)", "--metrics-topics", "tern-bench.>"])
        try await Loopback.waitForListener(on: monitorPort)
        let prometheus = try await PrometheusServer.start(scraping: monitorAddress)

        let bench = try await run(
            "tern-bench", ["pubsub", "--messages", "100000", "--json", "--server", "127.0.0.1:\(daemon.port)", "--ca", daemon.caFile],
            in: daemon.directory, seconds: 120
        )
        #expect(bench.status == 0, "\(bench.errors)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bench.output.utf8)) as? [String: Any])
        #expect(report["published"] as? Int == 100_000)
        #expect(report["delivered"] as? Int == 100_000)

        let samples = try await PrometheusText.scrape(port: monitorPort)
        #expect(samples["tern_messages_received_total"] == 100_000)
        #expect(samples["tern_messages_delivered_total"] == 100_000)
        #expect(samples["tern_bytes_received_total"] == Double(100_000 * 128))
        #expect(samples["tern_bytes_delivered_total"] == Double(100_000 * 128))
        let topicSeries = samples.keys.filter { $0.hasPrefix("tern_topic_messages_received_total{topic=\"tern-bench.") }
        #expect(topicSeries.count == 1, "the benchmark's topic has series of its own: \(topicSeries)")
        #expect(topicSeries.first.flatMap { samples[$0] } == 100_000)

        // Prometheus sees the same series once it has scraped after the run.
        try await eventually(within: 30, "prometheus to scrape the whole run") {
            try await prometheus.query("tern_messages_delivered_total").first?.value == 100_000
        }
        #expect(try await prometheus.targetIsUp())
        let received = try await prometheus.query("tern_messages_received_total")
        #expect(received.map(\.value) == [100_000])
        #expect(received.first?.labels["job"] == "ternd")
        let perTopic = try await prometheus.query("tern_topic_messages_received_total")
        #expect(perTopic.count == 1)
        #expect(perTopic.first?.labels["topic"]?.hasPrefix("tern-bench.") == true)
        await prometheus.stop()

        // What an operator reads at a glance.
        let health = try await monitor(monitorPort, "/healthz")
        #expect(health.status == 200)
        let stats = try await run("tern", ["stats", "--monitor", "\(monitorAddress)"])
        #expect(stats.status == 0, "\(stats.errors)")
        #expect(stats.output.contains("received     100,000 messages"), "\(stats.output)")
        #expect(stats.output.contains("delivered    100,000 messages"), "\(stats.output)")
        // A second, quieter topic: it lives while a subscription matches it.
        let server = ["--server", "127.0.0.1:\(daemon.port)", "--ca", daemon.caFile]
        let listener = try await ChildProcess("tern", ["sub", "quiet", "--count", "1"] + server, in: daemon.directory)
        try await publish("one message", to: "quiet", until: listener, server, in: daemon.directory)
        #expect(try await listener.wait() == 0, "\(listener.standardError)")
        let top = try await run("tern", ["top", "--monitor", "\(monitorAddress)", "--sort", "messages", "--count", "1"])
        #expect(top.status == 0, "\(top.errors)")
        let lines = top.output.split(separator: "\n")
        let topicsHeading = try #require(lines.firstIndex { $0.hasPrefix("TOPIC") }, "\(top.output)")
        #expect(lines.dropFirst(topicsHeading + 1).first?.hasPrefix("tern-bench.") == true, "the busiest topic first: \(top.output)")
        #expect(lines.dropFirst(topicsHeading + 2).first?.hasPrefix("quiet ") == true, "\(top.output)")
        try await daemon.stop()
    }

    @Test func statsWithNoListenerFailsWithOneLine() async throws {
        let address = "127.0.0.1:\(try await Loopback.freePort())"
        for command in [["stats"], ["top", "--count", "1"]] {
            let result = try await run("tern", command + ["--monitor", address])
            #expect(result.status == 1, "\(command)")
            #expect(result.output.isEmpty, "\(command)")
            let lines = result.errors.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains("cannot read the monitoring listener at \(address)"), "\(command): \(result.errors)")
        }
    }

    @Test func aBusyMonitoringPortEndsTerndWithOneLine() async throws {
        let taken = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(taken.localAddress?.port)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-daemon-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await run("ternd", ["--listen", "127.0.0.1:0", "--monitor", "127.0.0.1:\(port)"], in: directory)
        try await taken.close()
        #expect(result.status == 1)
        #expect(result.errors.split(separator: "\n").last == "ternd: cannot listen for monitoring on 127.0.0.1:\(port): address already in use")
    }
}
