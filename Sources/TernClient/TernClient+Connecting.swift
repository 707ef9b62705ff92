import NIOCore
import NIOPosix
import TernProtocol
import TernTLS

extension TernClient {
    /// Connects to the broker, runs the TLS handshake (unless the configuration says
    /// plaintext) and the protocol handshake.
    ///
    /// - Throws: ``TernClientError/connectionFailed(reason:)``, ``TernClientError/tls(_:)``,
    ///   ``TernClientError/refused(code:message:)`` when the broker turns the client away,
    ///   ``TernClientError/authenticationFailed(reason:)`` when it does not accept its credentials, or
    ///   ``TernClientError/timeout`` after the configuration's `connectTimeout`.
    public static func connect(_ configuration: Configuration = Configuration()) async throws -> TernClient {
        let tlsContext = try makeTLSContext(configuration)
        let hello = try HelloCredentials(configuration)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let setup = ConnectionSetup(configuration: configuration, hello: hello, eventLoop: eventLoop)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(TLSHandler(context: tlsContext))
                    }
                    try setup.addHandler(to: channel)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.server.host, port: configuration.server.port).get()
        } catch {
            setup.abandon(error)
            throw TernClientError(channelError: error)
        }
        return try await setup.client(over: channel)
    }

    /// Runs the protocol handshake over `channel`, an active channel to a broker, and returns
    /// the client that uses it: what ``connect(_:)`` does once the TCP connection is open, with
    /// the same handler and handshake.
    ///
    /// The pipeline must already hold what the transport needs (TLS, when it is used); the
    /// configuration's `server` and `security` are not looked at. Tests run the client over a
    /// `NIOAsyncTestingChannel` this way, frame bytes in and out, without a socket.
    static func connect(over channel: any Channel, configuration: Configuration) async throws -> TernClient {
        let setup = ConnectionSetup(configuration: configuration, hello: try HelloCredentials(configuration), eventLoop: channel.eventLoop)
        do {
            try await channel.eventLoop.submit { try setup.addHandler(to: channel) }.get()
        } catch {
            setup.abandon(error)
            throw TernClientError(channelError: error)
        }
        return try await setup.client(over: channel)
    }

    /// The TLS context for `configuration`, or `nil` for plaintext.
    private static func makeTLSContext(_ configuration: Configuration) throws -> TLSContext? {
        guard let tls = configuration.security.tlsConfiguration(host: configuration.server.host) else { return nil }
        do {
            return try TLSContext(configuration: tls)
        } catch {
            throw TernClientError.tls(error)
        }
    }
}

/// What a connection is made of before its channel opens: the buffer publishes go to, the
/// handshake's promise, and the box that holds the channel's ``ConnectionHandler`` once it is
/// added.
private struct ConnectionSetup: Sendable {
    let configuration: TernClient.Configuration
    let hello: HelloCredentials
    let outbound: OutboundBuffer
    let handshake: EventLoopPromise<Frame.Welcome>
    let handler: NIOLoopBoundBox<ConnectionHandler?>

    init(configuration: TernClient.Configuration, hello: HelloCredentials, eventLoop: any EventLoop) {
        self.configuration = configuration
        self.hello = hello
        outbound = OutboundBuffer(limit: configuration.maxPendingBytes)
        handshake = eventLoop.makePromise(of: Frame.Welcome.self)
        handler = .makeEmptyBox(eventLoop: eventLoop)
    }

    /// Adds the connection's handler at the end of `channel`'s pipeline; it says HELLO as soon
    /// as the channel is active. Call it on the channel's event loop.
    func addHandler(to channel: any Channel) throws {
        let connection = ConnectionHandler(
            outbound: outbound, clientName: configuration.clientName, credentials: hello, handshakeTimeout: TimeAmount(configuration.connectTimeout),
            keepAlive: configuration.keepAlive, handshake: handshake
        )
        try channel.pipeline.syncOperations.addHandler(connection)
        handler.value = connection
    }

    /// The channel never opened, or its handler could not be added: nothing else completes the
    /// handshake.
    func abandon(_ error: any Error) {
        handshake.fail(error)
    }

    /// Waits for the broker's WELCOME on `channel` and returns the client.
    func client(over channel: any Channel) async throws -> TernClient {
        let welcome: Frame.Welcome
        do {
            welcome = try await handshake.futureResult.get()
        } catch {
            throw TernClientError(channelError: error)
        }
        return TernClient(configuration: configuration, serverInfo: TernServerInfo(welcome), channel: channel, handler: handler, outbound: outbound)
    }
}
