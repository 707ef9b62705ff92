#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

/// The channels a client opens, one per attempt, handed out in the order the test adds them:
/// each is the client's end of a ``BrokerEnd``. An attempt with none left is refused, as a
/// connect to a port nobody listens on is.
final class TestingChannels: ChannelOpener {
    private let waiting: NIOLockedValueBox<(channels: [NIOAsyncTestingChannel], servers: [ServerAddress])>

    init(_ channels: NIOAsyncTestingChannel...) {
        waiting = NIOLockedValueBox((channels, []))
    }

    /// Adds the channel the next attempt gets.
    func add(_ channel: NIOAsyncTestingChannel) {
        waiting.withLockedValue { $0.channels.append(channel) }
    }

    /// The servers the client asked for, in order.
    var servers: [ServerAddress] {
        waiting.withLockedValue { $0.servers }
    }

    func open(
        to server: ServerAddress, on eventLoop: any EventLoop, addingHandler addHandler: @escaping @Sendable (any Channel) throws -> Void
    ) -> EventLoopFuture<any Channel> {
        let next = waiting.withLockedValue { waiting -> NIOAsyncTestingChannel? in
            waiting.servers.append(server)
            return waiting.channels.isEmpty ? nil : waiting.channels.removeFirst()
        }
        guard let next else {
            return eventLoop.makeFailedFuture(IOError(errnoCode: ECONNREFUSED, reason: "connect"))
        }
        return eventLoop.makeCompletedFuture {
            try addHandler(next)
            return next
        }
    }
}

/// The broker's end of a client connection over a `NIOAsyncTestingChannel`, played by a test:
/// the bytes the client writes are decoded into frames, the frames the test sends are encoded
/// into bytes the client reads. No socket, no port; time passes only when the test advances the
/// channel's event loop.
struct BrokerEnd {
    let channel: NIOAsyncTestingChannel
    /// Bytes the client wrote that are not decoded yet.
    private var unread = ByteBuffer()
    private var decoder = FrameDecoder(maxFrameLength: .max)

    /// The WELCOME of a broker with the default limits and every feature.
    static let welcome = Frame.Welcome(
        version: 1, serverID: "broker-end", limits: .defaults, features: [.acknowledgements, .queueGroups, .requestReply, .schemas],
        pingIntervalMilliseconds: 30_000
    )

    /// A plaintext client that does not ping (tests that want keep-alive turn it on) and does
    /// not reconnect (tests of reconnection turn it on).
    static let configuration = TernClient.Configuration(security: .plaintext, clientName: "handler-test", reconnect: nil, keepAlive: nil)

    /// A new active channel, on `loop` or a loop of its own; `prepare` adds to its pipeline what
    /// goes before the client.
    init(
        on loop: NIOAsyncTestingEventLoop = NIOAsyncTestingEventLoop(),
        prepare: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void = { _ in }
    ) async throws {
        channel = NIOAsyncTestingChannel(loop: loop)
        let pipeline = channel.pipeline
        try await channel.testingEventLoop.executeInContext { try prepare(pipeline.syncOperations) }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: ServerAddress.defaultPort))
    }

    /// Starts connecting a client whose first attempt gets this channel, and expects its HELLO,
    /// with the configuration's token if it has one; later attempts get what the test adds to
    /// `channels`.
    mutating func startConnecting(
        _ configuration: TernClient.Configuration = configuration, channels: TestingChannels = TestingChannels()
    ) async throws -> Task<TernClient, any Error> {
        let channel = self.channel
        channels.add(channel)
        let connecting = Task { try await TernClient.connect(configuration, opener: channels, on: channel.eventLoop) }
        let hello = try await nextFrame()
        let credentials = try HelloCredentials(configuration).credentials(binding: nil)
        #expect(hello == .hello(Frame.Hello(minVersion: 1, maxVersion: 1, clientName: configuration.clientName, credentials: credentials)))
        return connecting
    }

    /// Connects a client over the channel, answering its HELLO with `welcome`.
    mutating func connect(
        _ configuration: TernClient.Configuration = configuration, welcome: Frame.Welcome = welcome, channels: TestingChannels = TestingChannels()
    ) async throws -> TernClient {
        let connecting = try await startConnecting(configuration, channels: channels)
        try await send(.welcome(welcome))
        return try await connecting.value
    }

    /// Runs `body` with a client connected over a new channel (whose pipeline `prepare` set up),
    /// and closes the client afterwards,
    /// also when `body` throws, so that nothing is left pending on the event loop.
    static func withClient(
        _ configuration: TernClient.Configuration = configuration,
        welcome: Frame.Welcome = welcome,
        prepare: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void = { _ in },
        _ body: (TernClient, inout BrokerEnd) async throws -> Void
    ) async throws {
        var broker = try await BrokerEnd(prepare: prepare)
        let client = try await broker.connect(configuration, welcome: welcome)
        do {
            try await body(client, &broker)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    // MARK: What the client wrote

    /// The next frame the client wrote, waiting until it writes one (or the test is cancelled).
    mutating func nextFrame() async throws -> Frame {
        while true {
            if let frame = try decoder.decode(buffer: &unread) { return frame }
            // A test that runs out of time is cancelled: closing the channel ends the wait.
            var written = try await withTaskCancellationHandler {
                try await channel.waitForOutboundWrite(as: ByteBuffer.self)
            } onCancel: { [channel] in
                channel.close(promise: nil)
            }
            unread.writeBuffer(&written)
        }
    }

    /// The next frame the client wrote, which must be a PING.
    mutating func nextPing() async throws -> Frame.Ping {
        let frame = try await nextFrame()
        guard case .ping(let ping) = frame else { throw UnexpectedFrame(frame: frame) }
        return ping
    }

    /// Runs `open`, which subscribes, and confirms the subscription as the broker does: with
    /// the PONG to the PING after the SUBSCRIBE. Returns what `open` returned and the SUBSCRIBE.
    mutating func confirmSubscription<Opened: Sendable>(
        _ open: @escaping @Sendable () async throws -> Opened
    ) async throws -> (Opened, Frame.Subscribe) {
        let opening = Task { try await open() }
        let frame = try await nextFrame()
        guard case .subscribe(let subscribe) = frame else { throw UnexpectedFrame(frame: frame) }
        try await send(.pong(nextPing()))
        return (try await opening.value, subscribe)
    }

    /// Subscribes `client` to `pattern`, confirmed; returns the subscription and its id.
    mutating func subscribe(
        _ client: TernClient, to pattern: String, onDropNotice: (@Sendable (TernDropNotice) -> Void)? = nil
    ) async throws -> (TernSubscription, id: UInt32) {
        let (subscription, subscribe) = try await confirmSubscription { try await client.subscribe(to: pattern, onDropNotice: onDropNotice) }
        #expect(subscribe.pattern == pattern && !subscribe.isResponder)
        return (subscription, subscribe.subscriptionID)
    }

    /// Flushes `client`, answering its PING as the broker does: the connection still works.
    mutating func flush(_ client: TernClient) async throws {
        let flushing = Task { try await client.flush() }
        try await send(.pong(nextPing()))
        try await flushing.value
    }

    /// Expects that the client wrote nothing more, once the event loop ran what it had to do.
    mutating func expectNothingWritten(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        await channel.testingEventLoop.run()
        #expect(unread.readableBytes == 0, "bytes of a frame", sourceLocation: sourceLocation)
        if let written = try await channel.readOutbound(as: ByteBuffer.self) {
            var bytes = written
            var frames: [Frame] = []
            while let frame = try decoder.decode(buffer: &bytes) { frames.append(frame) }
            Issue.record("the client wrote \(frames)", sourceLocation: sourceLocation)
        }
    }

    // MARK: What the broker sends

    /// Sends `frames` to the client, in one read.
    func send(_ frames: Frame...) async throws {
        var bytes = ByteBuffer()
        for frame in frames { _ = try bytes.writeFrame(frame) }
        try await send(bytes)
    }

    /// Sends `bytes` to the client, in one read.
    func send(_ bytes: ByteBuffer) async throws {
        try await channel.writeInbound(bytes)
    }

    /// Waits until the client closed the channel.
    func waitForClose() async throws {
        try await channel.closeFuture.get()
    }

    /// Advances the event loop's clock by `duration`, running the timers due by then.
    func advanceTime(by duration: Duration) async {
        await channel.testingEventLoop.advanceTime(by: TimeAmount(duration))
    }
}

/// The client wrote a frame a test did not expect.
struct UnexpectedFrame: Error {
    var frame: Frame
}
