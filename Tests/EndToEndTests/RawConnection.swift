import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import TernProtocol
import TernTLS

/// A connection that sends whatever bytes a test gives it and collects the frames the broker
/// answers: for what a well-behaved client never does.
final class RawConnection: Sendable {
    /// What arrived so far.
    struct Received {
        var frames: [Frame] = []
        var closed = false
        /// Why the bytes from the broker could not be read, if they could not.
        var failure: String?
    }

    struct Closed: Error, CustomStringConvertible {
        var description: String
    }

    let channel: any Channel
    /// Whether the connection reads on its own; when not, only ``nextFrame(within:)`` reads.
    let reads: Bool
    /// When the connection was opened: a failed write says how long after.
    private let openedAt = ContinuousClock.now
    private let received: NIOLockedValueBox<Received>
    /// How many of the received frames ``nextFrame(within:)`` has returned.
    private let consumed = NIOLockedValueBox(0)

    /// Opens a TCP connection, with TLS when `tls` is given; with `reads` false the connection
    /// reads only while a test waits for a frame, like a peer that stopped reading.
    static func connect(port: Int, tls: TLSContext? = nil, reads: Bool = true) async throws -> RawConnection {
        let received = NIOLockedValueBox(Received())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: reads)
            .channelOption(.socketOption(.so_rcvbuf), value: reads ? 1 << 20 : 4096)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(TLSHandler(context: tls)) }
                    try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameLength: .max)))
                    try pipeline.addHandler(FrameCollector(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawConnection(channel: channel, reads: reads, received: received)
    }

    private init(channel: any Channel, reads: Bool, received: NIOLockedValueBox<Received>) {
        self.channel = channel
        self.reads = reads
        self.received = received
    }

    /// A TLS client context that trusts the CA in `caFile`.
    static func tlsContext(trusting caFile: String) throws -> TLSContext {
        try TLSContext(configuration: .client(serverName: "127.0.0.1", trustRootsFile: caFile))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await write(ByteBuffer(bytes: bytes))
    }

    func send(_ frames: Frame...) async throws {
        var buffer = ByteBuffer()
        for frame in frames { try buffer.writeFrame(frame) }
        try await write(buffer)
    }

    private func write(_ buffer: ByteBuffer) async throws {
        do {
            try await channel.writeAndFlush(buffer)
        } catch {
            throw Closed(description: "\(error), \(ContinuousClock.now - openedAt) after connecting; \(received.withLockedValue { $0 })")
        }
    }

    /// Sends HELLO for version 1 and returns the WELCOME.
    @discardableResult
    func handshake() async throws -> Frame.Welcome {
        try await send(.hello(Frame.Hello(minVersion: 1, maxVersion: 1, clientName: "raw")))
        guard case .welcome(let welcome) = try await nextFrame() else { throw Closed(description: "no WELCOME") }
        return welcome
    }

    /// The next frame from the broker; fails when the connection closed without one.
    func nextFrame(within seconds: Double = 15) async throws -> Frame {
        var frame: Frame?
        try await eventually(within: seconds, "a frame from the broker") {
            if !reads { channel.read() }
            let state = received.withLockedValue { $0 }
            let index = consumed.withLockedValue { $0 }
            if index < state.frames.count {
                frame = state.frames[index]
                consumed.withLockedValue { $0 += 1 }
                return true
            }
            if state.closed { throw Closed(description: "closed without another frame; \(state.failure ?? "cleanly")") }
            return false
        }
        guard let frame else { throw Closed(description: "no frame") }
        return frame
    }

    /// The next frame, which must be an ERROR.
    func nextError(within seconds: Double = 15) async throws -> Frame.Error {
        let frame = try await nextFrame(within: seconds)
        guard case .error(let error) = frame else { throw Closed(description: "expected ERROR, got \(frame)") }
        return error
    }

    /// Waits until the broker has closed the connection.
    func awaitClose(within seconds: Double = 15) async throws {
        try await eventually(within: seconds, "the broker to close the connection") { isClosed }
    }

    var isClosed: Bool { received.withLockedValue { $0.closed } }

    /// Reads once every `interval`, like a slow client (a connection that does not read on its
    /// own takes at most 4 KiB from its socket at a time), until the broker closes the
    /// connection; returns every frame that arrived.
    func readUntilClosed(every interval: Duration, within seconds: Double = 120) async throws -> [Frame] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !isClosed {
            guard ContinuousClock.now < deadline else { throw TimedOut(what: "the broker to close the connection") }
            channel.read()
            try await Task.sleep(for: interval)
        }
        return received.withLockedValue { $0.frames }
    }

    /// PING and its PONG: proof that the broker still serves this connection.
    func ping(token: UInt64 = 7) async throws -> Bool {
        try await send(.ping(Frame.Ping(token: token)))
        return try await nextFrame() == .pong(Frame.Ping(token: token))
    }

    /// Subscribes to `pattern` and waits until the subscription is live.
    func subscribe(to pattern: String, id: UInt32 = 1) async throws {
        try await send(.subscribe(Frame.Subscribe(subscriptionID: id, pattern: pattern)))
        #expect(try await ping(token: UInt64(id)), "the subscription to \(pattern) is open")
    }

    func close() async {
        try? await channel.close()
    }
}

/// Collects decoded frames and the end of the connection into a shared box.
private final class FrameCollector: ChannelInboundHandler {
    typealias InboundIn = Frame

    private let received: NIOLockedValueBox<RawConnection.Received>

    init(received: NIOLockedValueBox<RawConnection.Received>) {
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        received.withLockedValue { $0.frames.append(frame) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        received.withLockedValue { $0.failure = $0.failure ?? "\(error)" }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        received.withLockedValue { $0.closed = true }
        context.fireChannelInactive()
    }
}
