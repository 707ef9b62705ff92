import ArgumentParser
import TernClient
import TernClientOptions
import TernCommandSupport

/// Runs `body` with a connected client and closes it afterwards; any failure becomes one line
/// on standard error and exit code 1.
///
/// - Parameters:
///   - connectTimeout: Bounds connecting and the handshakes, when shorter than the default.
///   - untilBrokerStops: For commands that listen until stopped: the broker shutting down ends
///     them normally, with a line on standard error and exit code 0.
func withClient(
    _ options: ConnectionOptions, name: String, connectTimeout: Duration? = nil, untilBrokerStops: Bool = false,
    _ body: (TernClient) async throws -> Void
) async throws {
    let client: TernClient
    do {
        client = try await TernClient.connect(try options.configuration(clientName: name, connectTimeout: connectTimeout))
    } catch {
        StandardError.writeLine("tern: \(error)" + options.hint(for: error))
        throw ExitCode.failure
    }
    do {
        try await body(client)
    } catch TernClientError.disconnected(code: .serverShuttingDown, let reason) where untilBrokerStops {
        StandardError.writeLine("tern: \(reason)")
    } catch {
        await client.close()
        StandardError.writeLine("tern: \(error)")
        throw ExitCode.failure
    }
    await client.close()
}
