import ArgumentParser
import TernClient
import TernClientOptions
import TernCommandSupport

/// Runs `body` with a connected client and closes it afterwards; any failure becomes one line
/// on standard error and exit code 1.
func withClient(_ options: ConnectionOptions, name: String, _ body: (TernClient) async throws -> Void) async throws {
    let client: TernClient
    do {
        client = try await TernClient.connect(options.configuration(clientName: name))
    } catch {
        StandardError.writeLine("tern: \(error)" + options.hint(for: error))
        throw ExitCode.failure
    }
    do {
        try await body(client)
    } catch {
        await client.close()
        StandardError.writeLine("tern: \(error)")
        throw ExitCode.failure
    }
    await client.close()
}
