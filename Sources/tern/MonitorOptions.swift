import ArgumentParser
import TernCommandSupport
import TernMonitoring

/// Where `tern stats` and `tern top` find the broker's monitoring listener, and reading it.
struct MonitorOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The broker's monitoring listener (ternd --monitor).", valueName: "host:port"))
    var monitor = ServerAddress(host: "127.0.0.1", port: 8377)

    /// The JSON view at `target`, decoded; a failure is one line on standard error and exit code 1.
    func read<View: Decodable>(_ view: View.Type, at target: String) async throws -> View {
        let response: MonitorClient.Response
        do {
            response = try await MonitorClient(address: monitor).get(target)
        } catch {
            StandardError.writeLine("tern: \(error)")
            throw ExitCode.failure
        }
        guard response.status == 200 else {
            let reason = (try? MonitorJSON.decode(MonitorErrorBody.self, from: response.body))?.error ?? response.text
            StandardError.writeLine("tern: the monitoring listener at \(monitor) answered \(response.status) to \(target): \(reason)")
            throw ExitCode.failure
        }
        do {
            return try MonitorJSON.decode(view, from: response.body)
        } catch {
            StandardError.writeLine("tern: the monitoring listener at \(monitor) answered \(target) with JSON that is not a broker's: \(error)")
            throw ExitCode.failure
        }
    }
}
