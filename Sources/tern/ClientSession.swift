import ArgumentParser
import TernClient
import TernClientOptions
import TernCommandSupport

/// Runs `body` with a connected client and closes it afterwards; any failure becomes one line
/// on standard error and exit code 1. The client does not reconnect: a command that does one
/// thing retries only its first connection, within `connectTimeout` (or the default connect
/// timeout).
///
/// - Parameter connectTimeout: Bounds connecting and the handshakes, when shorter than the default.
func withClient(
    _ options: ConnectionOptions, name: String, connectTimeout: Duration? = nil, _ body: (TernClient) async throws -> Void
) async throws {
    let client = try await connect(options) { try $0.configuration(clientName: name, connectTimeout: connectTimeout, reconnecting: false) }
    do {
        try await body(client)
    } catch {
        await client.close()
        StandardError.writeLine("tern: \(error)")
        throw ExitCode.failure
    }
    await client.close()
}

/// Runs `body`, a command that listens until stopped, with a client that reconnects: each
/// disconnect, reconnect and lame duck notice is one line on standard error. SIGINT or SIGTERM
/// drains the client (``TernClient/drain(timeout:)``): no new deliveries, `drainTimeout` for
/// what was delivered to be finished and what is pending to be sent; then whatever still runs
/// in `body` is cancelled. A failure becomes one line on standard error and exit code 1.
func withReconnectingClient(
    _ options: ConnectionOptions, name: String, drainTimeout: Duration = .seconds(5), _ body: @escaping @Sendable (TernClient) async throws -> Void
) async throws {
    let client = try await connect(options) { try $0.configuration(clientName: name) }
    let reporter = Task {
        for await event in client.events {
            switch event {
            case .disconnected, .reconnected, .lameDuck, .error:
                StandardError.writeLine("tern: \(event)")
            case .connected, .closed:
                break
            }
        }
    }
    defer { reporter.cancel() }
    let work = Task { try await body(client) }
    let signalled = Task { await StopSignals.next() }
    let stopper = Task {
        guard await signalled.value else { return }
        try? await client.drain(timeout: drainTimeout)
        work.cancel()
    }
    let result = await work.result
    signalled.cancel()
    await stopper.value
    do {
        try result.get()
    } catch {
        await client.close()
        StandardError.writeLine("tern: \(error)")
        throw ExitCode.failure
    }
    await client.close()
}

/// Connects with the configuration `options` make, or says why not (the configuration or the
/// connection failed) on standard error and exits with status 1.
private func connect(
    _ options: ConnectionOptions, _ configuration: (ConnectionOptions) throws -> TernClient.Configuration
) async throws -> TernClient {
    do {
        return try await TernClient.connect(configuration(options))
    } catch {
        StandardError.writeLine("tern: \(error)" + options.hint(for: error))
        throw ExitCode.failure
    }
}
