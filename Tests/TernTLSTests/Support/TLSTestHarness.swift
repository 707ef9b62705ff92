import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TernTLS

/// A test that waited too long for something.
struct TestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(self.what)" }
}

/// A test precondition that did not hold.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

/// Waits for `future`, failing with ``TestTimeout`` after `seconds`.
func waitFor<Value: Sendable>(
    _ future: EventLoopFuture<Value>,
    _ what: String,
    seconds: Int64 = 20
) async throws -> Value {
    let promise = future.eventLoop.makePromise(of: Value.self)
    future.cascade(to: promise)
    let timer = future.eventLoop.scheduleTask(in: .seconds(seconds)) {
        promise.fail(TestTimeout(what: what))
    }
    promise.futureResult.whenComplete { _ in timer.cancel() }
    return try await promise.futureResult.get()
}

/// What one end of a test connection saw, readable from the test while the channel runs.
final class Probe: Sendable {
    let handshake: EventLoopPromise<TLSHandshakeCompleted>
    let firstError: EventLoopPromise<any Error>
    let inactive: EventLoopPromise<Void>
    let channel: EventLoopPromise<any Channel>
    private let state = NIOLockedValueBox(State())

    private struct State {
        var received = ByteBuffer()
        var errors: [any Error] = []
        var expectedCount = 0
        var expectation: EventLoopPromise<ByteBuffer>?
    }

    init(on eventLoop: any EventLoop) {
        self.handshake = eventLoop.makePromise()
        self.firstError = eventLoop.makePromise()
        self.inactive = eventLoop.makePromise()
        self.channel = eventLoop.makePromise()
    }

    deinit {
        // NIO insists that every promise is completed; whatever never happened fails here.
        let neverHappened = TestFailure(description: "the connection ended without it")
        self.handshake.fail(neverHappened)
        self.firstError.fail(neverHappened)
        self.inactive.fail(neverHappened)
        self.channel.fail(neverHappened)
        self.state.withLockedValue { $0.expectation }?.fail(neverHappened)
    }

    /// Everything received so far.
    var received: ByteBuffer { self.state.withLockedValue { $0.received } }
    /// Every error seen, in order.
    var errors: [any Error] { self.state.withLockedValue { $0.errors } }

    /// Completes once `count` bytes in all have been received, with all of them.
    func bytes(_ count: Int) -> EventLoopFuture<ByteBuffer> {
        let promise = self.inactive.futureResult.eventLoop.makePromise(of: ByteBuffer.self)
        let alreadyThere: ByteBuffer? = self.state.withLockedValue { state in
            if state.received.readableBytes >= count { return state.received }
            state.expectedCount = count
            state.expectation = promise
            return nil
        }
        if let alreadyThere { promise.succeed(alreadyThere) }
        return promise.futureResult
    }

    fileprivate func record(_ data: ByteBuffer) {
        let fulfilled: (EventLoopPromise<ByteBuffer>, ByteBuffer)? = self.state.withLockedValue { state in
            var data = data
            state.received.writeBuffer(&data)
            guard let expectation = state.expectation, state.received.readableBytes >= state.expectedCount else {
                return nil
            }
            state.expectation = nil
            return (expectation, state.received)
        }
        if let (promise, received) = fulfilled { promise.succeed(received) }
    }

    fileprivate func record(_ error: any Error) {
        self.state.withLockedValue { $0.errors.append(error) }
        self.firstError.succeed(error)
        self.handshake.fail(error)
    }
}

/// The application end of a test pipeline: records into a ``Probe`` and, as asked, echoes.
final class ProbeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Behaviour {
        /// Keep what arrives.
        case sink
        /// Send back what arrives.
        case echo
        /// Send back the first line that arrives, then close the connection.
        case echoLineThenClose
    }

    private let probe: Probe
    private let behaviour: Behaviour

    init(probe: Probe, behaviour: Behaviour) {
        self.probe = probe
        self.behaviour = behaviour
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.probe.channel.succeed(context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        self.probe.record(buffer)
        switch self.behaviour {
        case .sink:
            break
        case .echo:
            context.write(data, promise: nil)
        case .echoLineThenClose:
            let received = self.probe.received
            if received.readableBytesView.contains(UInt8(ascii: "\n")) {
                context.writeAndFlush(self.wrapOutboundOut(received), promise: nil)
                context.close(promise: nil)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .echo = self.behaviour {
            context.flush()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            self.probe.handshake.succeed(handshake)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.probe.record(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.probe.handshake.fail(ChannelError.ioOnClosedChannel)
        self.probe.inactive.succeed()
    }
}

/// A handler below TLS whose context lets a test close the TCP connection without TLS
/// knowing: an unclean shutdown, as a crashed peer would cause.
final class RawCloser: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
}

/// Certificates for one test, in a temporary directory removed afterwards.
final class CertificateFixture {
    let directory: URL
    let files: TLSServerFiles
    let authority: TLSCertificateAuthority

    init(includeCAInChain: Bool = false) throws {
        self.directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tern-tls-tests-\(UUID().uuidString)")
        self.files = try TLSCertificateAuthority.generateServerFiles(
            in: self.directory.appendingPathComponent("tls").path,
            includeCAInChain: includeCAInChain
        )
        self.authority = try TLSCertificateAuthority(
            certificateFile: self.files.caCertificateFile,
            privateKeyFile: self.files.caPrivateKeyFile
        )
    }

    deinit {
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// Writes `credential` as `name.pem` and `name.key` and returns the paths.
    func write(_ credential: TLSCredential, as name: String) throws -> (certificate: String, key: String) {
        let certificate = self.directory.appendingPathComponent("\(name).pem").path
        let key = self.directory.appendingPathComponent("\(name).key").path
        try credential.write(certificateFile: certificate, privateKeyFile: key)
        return (certificate, key)
    }

    /// Writes arbitrary text to `name` and returns the path.
    func writeText(_ text: String, as name: String) throws -> String {
        let path = self.directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The standard server configuration for these files.
    func serverConfiguration(
        clientAuthentication: TLSConfiguration.ClientAuthentication = .none
    ) -> TLSConfiguration {
        .server(
            certificateChainFile: self.files.certificateChainFile,
            privateKeyFile: self.files.privateKeyFile,
            clientAuthentication: clientAuthentication,
            clientCAFile: clientAuthentication == .none ? nil : self.files.caCertificateFile
        )
    }

    /// A client configuration trusting this fixture's CA.
    func clientConfiguration(serverName: String? = "localhost") -> TLSConfiguration {
        .client(serverName: serverName, trustRootsFile: self.files.caCertificateFile)
    }
}

/// Starting TLS servers and clients on loopback.
enum Loopback {
    static var group: MultiThreadedEventLoopGroup { .singleton }

    /// A listening server on 127.0.0.1 with an ephemeral port; each accepted connection runs
    /// [RawCloser, TLSHandler, ProbeHandler] and reports to `probe`.
    static func startServer(
        context: TLSContext,
        probe: Probe,
        behaviour: ProbeHandler.Behaviour = .echo,
        autoRead: Bool = true
    ) async throws -> any Channel {
        try await ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: autoRead)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(RawCloser())
                    try pipeline.addHandler(TLSHandler(context: context))
                    try pipeline.addHandler(ProbeHandler(probe: probe, behaviour: behaviour))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    /// A client connected to `port` on 127.0.0.1 running [TLSHandler, ProbeHandler].
    static func connect(
        to port: Int,
        context: TLSContext,
        serverName: String? = nil,
        probe: Probe,
        behaviour: ProbeHandler.Behaviour = .sink,
        autoRead: Bool = true
    ) async throws -> any Channel {
        try await ClientBootstrap(group: self.group)
            .channelOption(.autoRead, value: autoRead)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(TLSHandler(context: context, serverName: serverName))
                    try pipeline.addHandler(ProbeHandler(probe: probe, behaviour: behaviour))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
    }

    /// A fresh probe on the shared group.
    static func probe() -> Probe {
        Probe(on: self.group.next())
    }
}

extension Channel {
    /// The bound port of a listening channel.
    var port: Int {
        get throws {
            guard let port = self.localAddress?.port else { throw TestFailure(description: "channel has no port") }
            return port
        }
    }
}

extension Channel {
    /// Writes `buffer` (flushing if asked) without suspending; completes with the write.
    func writeNow(_ buffer: ByteBuffer, flush: Bool = false) -> EventLoopFuture<Void> {
        let promise = self.eventLoop.makePromise(of: Void.self)
        if flush {
            self.writeAndFlush(buffer, promise: promise)
        } else {
            self.write(buffer, promise: promise)
        }
        return promise.futureResult
    }

    /// Starts closing without suspending; completes when the channel is closed.
    func closeNow() -> EventLoopFuture<Void> {
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.close(promise: promise)
        return promise.futureResult
    }
}
