import ArgumentParser
import TernCommandSupport
import TernClient

/// `tern-bench`: load-tests a Tern broker and reports throughput and latency percentiles.
@main
struct TernBench: AsyncParsableCommand {
    static func main() async {
        await runAsTool()
    }

    static let configuration = CommandConfiguration(
        commandName: "tern-bench",
        abstract: "Load-test a Tern broker: throughput, latency percentiles, connection cost.",
        discussion: "Prints a table, or one JSON object with --json. Exits non-zero when the run could not be made or delivery was incomplete.",
        subcommands: [PubSubCommand.self, ReqRepCommand.self, ConnectionsCommand.self, ReconnectCommand.self]
    )
}

extension TernClient.Configuration {
    /// This configuration with another client name.
    func named(_ clientName: String) -> Self {
        var copy = self
        copy.clientName = clientName
        return copy
    }
}

/// Runs `body`, which connects clients into the array it is given, and closes them all
/// afterwards, whether `body` returned or threw.
func withClients<Value>(_ body: (inout [TernClient]) async throws -> Value) async throws -> Value {
    var clients: [TernClient] = []
    do {
        let value = try await body(&clients)
        await clients.closeAll()
        return value
    } catch {
        await clients.closeAll()
        throw error
    }
}

extension [TernClient] {
    /// Closes every client, all at once.
    func closeAll() async {
        await withTaskGroup(of: Void.self) { group in
            for client in self { group.addTask { await client.close() } }
        }
    }
}

/// Runs a scenario; any failure becomes one line on standard error and exit code 1.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        StandardError.writeLine("tern-bench: \(error)")
        throw ExitCode.failure
    }
}
