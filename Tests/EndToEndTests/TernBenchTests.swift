import Foundation
import Testing
import TernBroker

/// `tern-bench` run as a user runs it, against a real broker over TLS: each scenario briefly,
/// checking what it reports, not how fast.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TernBenchTests {
    private static let pubsubKeys = [
        "scenario", "publishers", "subscribers", "messages", "size", "published_msgs_per_sec",
        "delivered_msgs_per_sec", "delivered_mb_per_sec", "p50_us", "p99_us", "p999_us",
    ]
    private static let reqrepKeys = ["scenario", "requests", "concurrency", "size", "requests_per_sec", "p50_us", "p99_us", "p999_us"]
    private static let connectionsKeys = ["scenario", "connections", "connections_per_sec", "seconds", "p50_us", "p99_us"]

    private func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tern-bench-\(UUID().uuidString)-\(name)").path
    }

    /// Runs `tern-bench` with `arguments` against `broker`.
    private func bench(_ arguments: [String], against broker: TestBroker) async throws -> (status: Int32, output: String, errors: String) {
        let target = ["--server", "127.0.0.1:\(broker.server.port)", "--ca", broker.files.caCertificateFile]
        return try await run("tern-bench", arguments + target, seconds: 60)
    }

    /// The one JSON object `output` holds.
    private func object(_ output: String) throws -> [String: Any] {
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1, "one line of JSON: \(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    @Test func pubsubChecksEveryDeliveryAndWritesCSVAndHistogram() async throws {
        let (csv, hgrm) = (temporaryFile("results.csv"), temporaryFile("latency.hgrm"))
        defer { for file in [csv, hgrm] { try? FileManager.default.removeItem(atPath: file) } }
        try await withBroker { broker in
            let arguments = [
                "pubsub", "--publishers", "2", "--subscribers", "3", "--topics", "2", "--messages", "300", "--size", "64",
                "--warmup", "200ms", "--json", "--csv", csv, "--hgrm", hgrm,
            ]
            let result = try await bench(arguments, against: broker)
            #expect(result.status == 0, "\(result.errors)")
            let json = try object(result.output)
            for key in Self.pubsubKeys { #expect(json[key] != nil, "key \(key) in \(json)") }
            #expect(json["scenario"] as? String == "pubsub")
            #expect(json["messages"] as? Int == 300)
            #expect(json["published"] as? Int == 600)
            #expect(json["delivered"] as? Int == 1800)
            #expect(json["missing"] as? Int == 0)

            // By default each publisher times messages 0, 16, …, 288 and its last, 299: 20 of
            // them, received by 3 subscribers.
            let sampled = try String(contentsOfFile: hgrm, encoding: .utf8)
            #expect(sampled.contains("Value     Percentile TotalCount 1/(1-Percentile)"))
            #expect(sampled.contains("#[Mean    ="))
            #expect(sampled.contains("Total count    =          120]"))

            // A second run, timing every message, appends a row under the same header.
            #expect(try await bench(arguments + ["--latency-every", "1"], against: broker).status == 0)
            let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
            #expect(rows.count == 3)
            #expect(rows.first?.hasPrefix("scenario,broker,server,tls,publishers,") == true)
            #expect(try String(contentsOfFile: hgrm, encoding: .utf8).contains("Total count    =         1800]"))
        }
    }

    @Test func pubsubRunsForADurationAndPrintsATable() async throws {
        try await withBroker { broker in
            let result = try await bench(["pubsub", "--subscribers", "2", "--duration", "300ms", "--rate", "2000", "--size", "16"], against: broker)
            #expect(result.status == 0, "\(result.errors)")
            for label in ["publish rate", "delivery rate", "latency p99.9", "missing"] {
                #expect(result.output.contains(label), "\(label) in \(result.output)")
            }
        }
    }

    @Test func reqrepReportsTheRequestRateAndLatency() async throws {
        try await withBroker { broker in
            let result = try await bench(["reqrep", "--requests", "200", "--size", "128", "--concurrency", "4", "--json"], against: broker)
            #expect(result.status == 0, "\(result.errors)")
            let json = try object(result.output)
            for key in Self.reqrepKeys { #expect(json[key] != nil, "key \(key) in \(json)") }
            #expect(json["requests"] as? Int == 200)
            #expect(json["concurrency"] as? Int == 4)
        }
    }

    @Test func connectionsReportsTheRateAndTheBrokersMemoryPerConnection() async throws {
        try await withBroker { broker in
            // The broker runs inside this test process.
            let pid = "\(ProcessInfo.processInfo.processIdentifier)"
            let result = try await bench(["connections", "--connections", "20", "--broker-pid", pid, "--json"], against: broker)
            #expect(result.status == 0, "\(result.errors)")
            let json = try object(result.output)
            for key in Self.connectionsKeys + ["rss_bytes_per_connection"] { #expect(json[key] != nil, "key \(key) in \(json)") }
            #expect(json["connections"] as? Int == 20)
        }
    }

    @Test func aBrokerThatIsNotThereFailsWithAOneLineReason() async throws {
        let port = try await Loopback.freePort()
        let result = try await run("tern-bench", ["pubsub", "--messages", "10", "--server", "127.0.0.1:\(port)", "--json"])
        #expect(result.status != 0)
        #expect(result.output.isEmpty)
        let lines = result.errors.split(separator: "\n")
        #expect(lines.count == 1, "\(result.errors)")
        #expect(lines.first?.hasPrefix("tern-bench: cannot connect to the broker") == true, "\(result.errors)")
    }

    @Test func aLatencySampleOfZeroIsRefused() async throws {
        let result = try await run("tern-bench", ["pubsub", "--latency-every", "0"])
        #expect(result.status != 0)
        #expect(result.errors.contains("--latency-every must be at least 1"), "\(result.errors)")
    }

    @Test func lostMessagesAreReportedAndFailTheRun() async throws {
        // A broker that drops what a subscriber has no room for, with room for one message.
        try await withBroker({ configuration in
            configuration.mailbox.policy = .dropNewest
            configuration.subscriberQueue = QueueCapacity(messages: 1, bytes: 1)
        }) { broker in
            let result = try await bench(["pubsub", "--messages", "20000", "--size", "4096", "--json"], against: broker)
            #expect(result.status != 0)
            #expect(result.errors.contains("tern-bench: subscriber 0 missed "), "\(result.errors)")
            #expect(result.errors.contains("tern-bench: delivery incomplete: "), "\(result.errors)")
            let json = try object(result.output)
            #expect((json["missing"] as? Int ?? 0) > 0)
        }
    }
}
