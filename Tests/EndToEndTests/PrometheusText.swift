import Foundation
import TernChildProcesses
import TernMonitoring
import TernProtocol

/// Reads a monitoring listener as a scraper would, and checks `/metrics` with a real
/// Prometheus text parser: Python's `prometheus_client` (`.ci/run` installs it).
enum PrometheusText {
    /// Parses the text exposition on standard input and prints every sample as JSON, keyed by
    /// its name and its labels in order: `tern_requests_total{outcome="answered"}`. A line the
    /// parser refuses fails it.
    private static let parser = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        samples = {}
        for family in text_string_to_metric_families(sys.stdin.read()):
            if family.type not in ("counter", "gauge", "histogram"):
                sys.exit("family %s has no TYPE line" % family.name)
            for sample in family.samples:
                labels = ",".join('%s="%s"' % (name, value) for name, value in sorted(sample.labels.items()))
                key = sample.name + ("{" + labels + "}" if labels else "")
                if key in samples:
                    sys.exit("sample %s appears twice" % key)
                samples[key] = sample.value
        print(json.dumps(samples))
        """

    /// Every sample of `text`, as `prometheus_client` parses it.
    static func samples(of text: String) async throws -> [String: Double] {
        let python = try await ChildProcess(program: "python3", ["-c", parser], input: text).result()
        guard python.status == 0 else {
            throw MonitoringFailure(description: "prometheus_client refused /metrics (python3 with prometheus_client is needed; .ci/run installs it): \(python.errors)")
        }
        return try JSONDecoder().decode([String: Double].self, from: Data(python.output.utf8))
    }

    /// The samples of the monitoring listener on `port`'s `/metrics`.
    static func scrape(port: Int) async throws -> [String: Double] {
        let response = try await MonitorClient(address: ServerAddress(host: "127.0.0.1", port: port)).get("/metrics")
        guard response.status == 200 else { throw MonitoringFailure(description: "/metrics answered \(response.status): \(response.text)") }
        return try await samples(of: response.text)
    }
}

/// GETs `target` from the monitoring listener on `port`.
func monitor(_ port: Int, _ target: String) async throws -> MonitorClient.Response {
    try await MonitorClient(address: ServerAddress(host: "127.0.0.1", port: port)).get(target)
}

/// GETs `target` from the monitoring listener on `port` and decodes its JSON as `View`.
func monitor<View: Decodable>(_ port: Int, _ target: String, as view: View.Type) async throws -> View {
    let response = try await monitor(port, target)
    guard response.status == 200 else { throw MonitoringFailure(description: "\(target) answered \(response.status): \(response.text)") }
    return try MonitorJSON.decode(view, from: response.body)
}

/// A monitoring listener or a parser that did not answer as it should.
struct MonitoringFailure: Error, CustomStringConvertible {
    var description: String
}
