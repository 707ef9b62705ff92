import Foundation
import TernChildProcesses
import TernMonitoring
import TernProtocol

/// A real Prometheus server (Debian's `prometheus`, which `.ci/run` installs) on 127.0.0.1,
/// with a temporary configuration and storage directory, scraping one target every second.
struct PrometheusServer {
    private let process: ChildProcess
    private let directory: URL
    private let client: MonitorClient

    /// Starts Prometheus scraping `target`'s `/metrics` as the job `ternd`.
    static func start(scraping target: ServerAddress) async throws -> PrometheusServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-prometheus-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = directory.appendingPathComponent("prometheus.yml")
        try Data("""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: ternd
                static_configs:
                  - targets: ["\(target)"]
            """.utf8).write(to: configuration)
        let port = try await Loopback.freePort()
        let process: ChildProcess
        do {
            process = try await ChildProcess(program: "prometheus", [
                "--config.file=\(configuration.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ])
        } catch {
            throw MonitoringFailure(description: "cannot start prometheus (Debian's package; .ci/run installs it): \(error)")
        }
        let server = PrometheusServer(process: process, directory: directory, client: MonitorClient(address: ServerAddress(host: "127.0.0.1", port: port)))
        do {
            try await Loopback.waitForListener(on: port)
        } catch {
            await server.stop()
            throw MonitoringFailure(description: "prometheus did not start: \(process.standardError)")
        }
        return server
    }

    /// One series of an instant query: its labels and its value.
    struct Series: Equatable {
        var labels: [String: String]
        var value: Double
    }

    /// The series `metric` (a bare metric name) has in Prometheus now.
    func query(_ metric: String) async throws -> [Series] {
        let response = try await client.get("/api/v1/query?query=\(metric)")
        guard response.status == 200 else { throw MonitoringFailure(description: "prometheus answered \(response.status): \(response.text)") }
        let answer = try JSONDecoder().decode(QueryAnswer.self, from: Data(response.body))
        return try answer.data.result.map { result in
            guard result.value.count == 2, case .text(let text) = result.value[1], let value = Double(text) else {
                throw MonitoringFailure(description: "prometheus gave a sample without a value: \(response.text)")
            }
            return Series(labels: result.metric, value: value)
        }
    }

    /// The health of the scrape target, as Prometheus's `up` reports it: 1 when its last scrape
    /// succeeded.
    func targetIsUp() async throws -> Bool {
        try await query("up").contains { $0.labels["job"] == "ternd" && $0.value == 1 }
    }

    /// Stops Prometheus and removes its directory.
    func stop() async {
        process.signal(SIGTERM)
        _ = try? await process.wait()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The answer of `/api/v1/query` for an instant vector.
    private struct QueryAnswer: Decodable {
        var data: ResultSet

        struct ResultSet: Decodable {
            var result: [Result]
        }

        struct Result: Decodable {
            var metric: [String: String]
            /// The time as a number, then the value as text.
            var value: [Element]
        }

        enum Element: Decodable {
            case time(Double)
            case text(String)

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) {
                    self = .text(text)
                } else {
                    self = .time(try container.decode(Double.self))
                }
            }
        }
    }
}
