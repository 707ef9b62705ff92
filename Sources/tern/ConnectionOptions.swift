import ArgumentParser
import TernClient
import TernCommandSupport

/// The options every command shares: where the broker is and how to secure the connection.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The broker's address.", valueName: "host:port"))
    var server = ServerAddress(host: TernClient.Configuration.Server.local.host, port: TernClient.Configuration.Server.local.port)

    @Option(name: .long, help: ArgumentHelp(
        "A PEM file of the CAs to trust (default: \(TernClient.Configuration.defaultCAFile) when it exists, else the system's CAs).",
        valueName: "file"
    ))
    var ca: String?

    @Option(name: .long, help: ArgumentHelp("A PEM client certificate, for brokers that require one.", valueName: "file"))
    var cert: String?

    @Option(name: .long, help: ArgumentHelp("The PEM private key of --cert.", valueName: "file"))
    var key: String?

    @Flag(name: .customLong("no-tls"), help: "Connect without TLS (brokers started with --no-tls).")
    var noTLS = false

    func validate() throws {
        guard (cert == nil) == (key == nil) else {
            throw ValidationError("--cert and --key go together")
        }
        if noTLS && (ca != nil || cert != nil) {
            throw ValidationError("--no-tls cannot be combined with --ca, --cert or --key")
        }
    }

    /// A likely explanation of a connection failure, starting with a space; empty when none.
    func hint(for error: any Error) -> String {
        switch error as? TernClientError {
        case .connectionFailed(let reason) where noTLS && reason.contains("during the handshake"):
            " (does the broker expect TLS? try without --no-tls)"
        case .tls(.handshakeFailed(let reason)) where reason.contains("wrong version number"):
            " (is the broker running with --no-tls? then pass --no-tls)"
        case .tls(.certificateVerificationFailed) where ca == nil:
            " (no --ca given: trusting \(TernClient.Configuration.defaultCAFile) if it exists here, else the system's CAs)"
        default:
            ""
        }
    }

    /// The client configuration these options describe.
    func configuration(clientName: String) -> TernClient.Configuration {
        var configuration = TernClient.Configuration(
            server: .init(host: server.host, port: server.port),
            clientName: clientName
        )
        if noTLS {
            configuration.security = .plaintext
        } else if ca != nil || cert != nil {
            let defaultCA: String? = if case .tls(let caFile, _, _, _) = configuration.security { caFile } else { nil }
            configuration.security = .tls(caFile: ca ?? defaultCA, certificateFile: cert, keyFile: key, serverName: nil)
        }
        return configuration
    }
}

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
