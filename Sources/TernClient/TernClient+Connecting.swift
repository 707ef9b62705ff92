import NIOCore
import NIOPosix
import TernProtocol
import TernTLS
import Tracing

extension TernClient {
    /// Connects to one of the configured brokers, runs the TLS handshake (unless the
    /// configuration says plaintext) and the protocol handshake.
    ///
    /// The servers are tried one after the other (each once, or with the reconnect backoff for
    /// `retryFirstConnectionFor` when that is set); the error of the last attempt is thrown.
    ///
    /// - Parameter tracer: What traces the client's publishes, deliveries, requests and
    ///   responders, carrying the W3C trace context in the messages' headers; `nil` takes the
    ///   tracer bootstrapped in swift-distributed-tracing's `InstrumentationSystem`. With no
    ///   tracer there, tracing costs nothing.
    /// - Throws: ``TernClientError/connectionFailed(reason:)``, ``TernClientError/tls(_:)``,
    ///   ``TernClientError/refused(code:message:)`` when the broker turns the client away,
    ///   ``TernClientError/authenticationFailed(reason:)`` when it does not accept its credentials, or
    ///   ``TernClientError/timeout`` after the configuration's `connectTimeout`.
    public static func connect(_ configuration: Configuration = Configuration(), tracer: (any Tracer)? = nil) async throws -> TernClient {
        let opener = SocketChannelOpener(
            tls: try makeTLSContext(configuration), serverName: configuration.security.serverName, connectTimeout: configuration.connectTimeout
        )
        return try await connect(configuration, opener: opener, on: MultiThreadedEventLoopGroup.singleton.next(), tracer: tracer)
    }

    /// Connects as ``connect(_:tracer:)`` does, through `opener`'s channels on `eventLoop`, where
    /// every connection of the client runs. Tests run the client over `NIOAsyncTestingChannel`s
    /// this way, frame bytes in and out, without a socket.
    static func connect(
        _ configuration: Configuration, opener: some ChannelOpener, on eventLoop: any EventLoop, tracer: (any Tracer)? = nil
    ) async throws -> TernClient {
        let credentials = try HelloCredentials(configuration)
        let outbound = OutboundBuffer(limit: configuration.maxPendingBytes, reconnectBufferLimit: configuration.reconnect?.bufferSize ?? 0)
        let (session, box, firstConnection) = try await eventLoop.submit {
            let session = ClientSession(configuration: configuration, credentials: credentials, outbound: outbound, opener: opener, eventLoop: eventLoop)
            session.start()
            let box = NIOLoopBoundBox<ClientSession?>(session, eventLoop: eventLoop)
            return (NIOLoopBound(session, eventLoop: eventLoop), box, session.firstConnection.futureResult)
        }.get()
        do {
            try await firstConnection.get()
        } catch {
            throw TernClientError(channelError: error)
        }
        return try await eventLoop.submit {
            let serverInfo = session.value.serverInfo.withLockedValue { $0 }
            guard let serverInfo else { throw TernClientError.closed }
            return TernClient(
                configuration: configuration, serverInfo: serverInfo, session: session.value, box: box,
                tracing: MessageTracing(tracer ?? InstrumentationSystem.tracer)
            )
        }.get()
    }

    /// The TLS context for `configuration`, or `nil` for plaintext.
    private static func makeTLSContext(_ configuration: Configuration) throws -> TLSContext? {
        guard let tls = configuration.security.tlsConfiguration(host: configuration.servers.first?.host ?? "") else { return nil }
        do {
            return try TLSContext(configuration: tls)
        } catch {
            throw TernClientError.tls(error)
        }
    }
}

extension TernClient.Configuration.Security {
    /// The name expected in the brokers' certificates when one is configured.
    var serverName: String? {
        if case .tls(_, _, _, let serverName) = self { serverName } else { nil }
    }
}
