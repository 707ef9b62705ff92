import ArgumentParser
import TernClient
import TernCommandSupport
import TernSettingValues

/// The command-line options of a Tern client: where the broker is and how to secure the
/// connection. Shared by `tern` and `tern-bench`.
public struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The broker's address, or several, comma-separated: the first that answers is used, and the next ones when the connection is lost.",
        valueName: "host:port[,host:port...]"
    ))
    public var server = ServerList([.local])

    @Option(name: .long, help: ArgumentHelp(
        "A PEM file of the CAs to trust (default: \(TernClient.Configuration.defaultCAFile) when it exists, else the system's CAs).",
        valueName: "file"
    ))
    public var ca: String?

    @Option(name: .long, help: ArgumentHelp("A PEM client certificate, for brokers that require one.", valueName: "file"))
    public var cert: String?

    @Option(name: .long, help: ArgumentHelp("The PEM private key of --cert.", valueName: "file"))
    public var key: String?

    @Option(name: .long, help: ArgumentHelp("A token to authenticate with (default: $\(CredentialOptions.tokenVariable)).", valueName: "token"))
    public var token: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("A file whose first line is the token to authenticate with.", valueName: "file"))
    public var tokenFile: String?

    @Option(name: .long, help: ArgumentHelp("The PEM file of an Ed25519 private key to authenticate with (tern auth keygen).", valueName: "keyfile"))
    public var identity: String?

    @Flag(name: .customLong("no-tls"), help: "Connect without TLS (brokers started with --no-tls).")
    public var noTLS = false

    @Option(name: .long, help: ArgumentHelp(
        "Ping the broker after this long without a word from it, and give the connection up after 2 unanswered pings (default 10s; 0 never pings).",
        valueName: "duration"
    ))
    public var keepalive: DurationArgument?

    public init() {}

    public func validate() throws {
        guard (cert == nil) == (key == nil) else {
            throw ValidationError("--cert and --key go together")
        }
        if noTLS && (ca != nil || cert != nil) {
            throw ValidationError("--no-tls cannot be combined with --ca, --cert or --key")
        }
        if [token != nil, tokenFile != nil, identity != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--token, --token-file and --identity exclude each other")
        }
        if noTLS && identity != nil {
            throw ValidationError("--identity needs TLS: it cannot be combined with --no-tls")
        }
        if let keepalive, keepalive.duration != .zero {
            try keepalive.validate("--keepalive", within: .milliseconds(10)...Self.longestDuration)
        }
    }

    /// The longest duration a client option takes: the most milliseconds a request timeout
    /// carries on the wire, about 49 days.
    public static let longestDuration = Duration.milliseconds(Int64(UInt32.max))

    /// A likely explanation of a connection failure, starting with a space; empty when none.
    public func hint(for error: any Error) -> String {
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

    /// The client configuration these options describe: the servers in the order given.
    ///
    /// - Parameters:
    ///   - connectTimeout: Bounds connecting and both handshakes, when given.
    ///   - reconnecting: Whether a lost connection is replaced. A client that does not reconnect
    ///     retries its first connection for `connectTimeout` instead (each server once without it).
    /// - Throws: ``CredentialOptions/Failure`` when `--token-file` cannot be read.
    public func configuration(
        clientName: String, connectTimeout: Duration? = nil, reconnecting: Bool = true
    ) throws(CredentialOptions.Failure) -> TernClient.Configuration {
        var configuration = TernClient.Configuration(servers: server.addresses, randomizeServers: false, clientName: clientName)
        configuration.credentials = try CredentialOptions.credentials(token: token, tokenFile: tokenFile, identity: identity)
        if let connectTimeout {
            configuration.connectTimeout = min(configuration.connectTimeout, connectTimeout)
        }
        if !reconnecting {
            configuration.reconnect = nil
            configuration.retryFirstConnectionFor = connectTimeout
        }
        if let keepalive {
            configuration.keepAlive = keepalive.duration == .zero ? nil : .init(interval: keepalive.duration)
        }
        if noTLS {
            configuration.security = .plaintext
        } else if ca != nil || cert != nil {
            let defaultCA: String? = if case .tls(let caFile, _, _, _) = configuration.security { caFile } else { nil }
            configuration.security = .tls(caFile: ca ?? defaultCA, certificateFile: cert, keyFile: key, serverName: nil)
        }
        return configuration
    }
}
