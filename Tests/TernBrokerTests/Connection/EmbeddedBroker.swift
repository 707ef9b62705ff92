import Logging
import NIOCore
import NIOEmbedded
import Testing
import TernProtocol

@testable import TernBroker

/// A broker whose connections are `NIOAsyncTestingChannel`s on one `NIOAsyncTestingEventLoop`:
/// frames go in as bytes and come out as bytes, with no socket and no real time. The loop runs
/// its tasks when a test sends something or calls ``run()``, its timers when a test advances
/// its clock.
final class EmbeddedBroker: Sendable {
    let loop = NIOAsyncTestingEventLoop()
    let core: BrokerCore

    init(registry: SchemaRegistry? = nil, _ configure: (inout BrokerConfiguration) -> Void = { _ in }) throws {
        var configuration = BrokerConfiguration()
        configure(&configuration)
        var logger = Logger(label: "embedded-broker")
        logger.logLevel = .critical
        core = try BrokerCore(configuration: configuration, group: loop, logger: logger, registry: registry)
        core.startTimers()
    }

    /// A connected client that has not said HELLO yet.
    func connect() async throws -> EmbeddedClient {
        let core = self.core
        let channel = try await NIOAsyncTestingChannel(loop: loop) { channel in
            try channel.pipeline.syncOperations.addHandler(ConnectionHandler(core: core))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).get()
        return EmbeddedClient(channel: channel, broker: self)
    }

    /// A client past HELLO and WELCOME.
    func connectReady() async throws -> EmbeddedClient {
        let client = try await connect()
        let welcome = try await client.exchange(.hello(Frame.Hello(minVersion: 1, maxVersion: 1, clientName: "embedded")))
        if case .welcome = welcome.first {} else { Issue.record("no WELCOME: \(welcome)") }
        return client
    }

    /// Runs the tasks the loop has, and those it defers to a later turn (work split over turns
    /// waits a moment of the loop's clock; see `EventLoopTurns`).
    func run() async {
        await loop.run()
        for _ in 0..<Self.deferredTurns {
            await loop.advanceTime(by: EventLoopTurns.fallbackDelay)
        }
    }

    /// How many later turns ``run()`` lets happen: enough for the tests' largest bursts.
    private static let deferredTurns = 128

    /// Moves the loop's clock on, firing the timers due.
    func advance(by time: TimeAmount) async {
        await loop.advanceTime(by: time)
    }
}

/// One client connection of an ``EmbeddedBroker``.
final class EmbeddedClient: Sendable {
    let channel: NIOAsyncTestingChannel
    private let broker: EmbeddedBroker

    init(channel: NIOAsyncTestingChannel, broker: EmbeddedBroker) {
        self.channel = channel
        self.broker = broker
    }

    /// Sends `frames` in one read, and lets the loop run.
    func send(_ frames: Frame...) async throws {
        try await send(bytes: Self.encode(frames))
    }

    /// Sends raw bytes in one read, and lets the loop run.
    func send(bytes: ByteBuffer) async throws {
        try await channel.writeInbound(bytes)
        await broker.run()
    }

    /// Everything the broker wrote to this client since the last call, as frames.
    func received() async throws -> [Frame] {
        await broker.run()
        var unread = ByteBuffer()
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            unread.writeImmutableBuffer(buffer)
        }
        var decoder = FrameDecoder(maxFrameLength: .max)
        var frames: [Frame] = []
        while let frame = try decoder.decode(buffer: &unread) {
            frames.append(frame)
        }
        #expect(unread.readableBytes == 0, "the broker writes whole frames")
        return frames
    }

    /// The next `count` frames the broker writes, waiting for work it does off the event loop
    /// (registry changes are saved on a thread pool).
    func received(count: Int) async throws -> [Frame] {
        var frames: [Frame] = []
        for _ in 0..<2000 where frames.count < count {
            frames += try await received()
            if frames.count < count { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(frames.count == count, "\(count) frames: \(frames)")
        return frames
    }

    /// Sends `frames` in one read and returns what came back.
    func exchange(_ frames: Frame...) async throws -> [Frame] {
        try await send(bytes: Self.encode(frames))
        return try await received()
    }

    /// Whether the broker closed the connection.
    var isClosed: Bool {
        get async {
            await broker.run()
            return !channel.isActive
        }
    }

    /// Subscribes and waits until the subscription is open.
    func subscribe(_ pattern: String, id: UInt32 = 1, group: String? = nil, responder: Bool = false) async throws {
        let token = 9_000 + UInt64(id)
        let answer = try await exchange(
            .subscribe(Frame.Subscribe(subscriptionID: id, pattern: pattern, queueGroup: group, isResponder: responder)), .ping(Frame.Ping(token: token))
        )
        #expect(answer == [.pong(Frame.Ping(token: token))], "the subscription to \(pattern) is open")
    }

    static func encode(_ frames: [Frame]) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        for frame in frames { try buffer.writeFrame(frame) }
        return buffer
    }
}

/// A PUBLISH of `payload` to `topic`, acknowledged under `ack` when given.
func publish(_ topic: String, _ payload: String, ack: UInt64? = nil) -> Frame {
    .publish(Frame.Publish(topic: topic, ackID: ack, payload: ByteBuffer(string: payload)))
}
