import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TernProtocol
import TernTLS

/// A subscriber that takes a few kilobytes at a time and counts what it gets: messages, the
/// counts of drop notices, and whether GOODBYE came.
final class SlowSubscriber: Sendable {
    struct Outcome: Sendable, CustomStringConvertible {
        var received: UInt64 = 0
        var notified: UInt64 = 0
        var sawGoodbye = false
        var sawPong = false
        var closed = false

        var description: String { "received \(received), notified \(notified), goodbye \(sawGoodbye)" }
    }

    private let channel: any Channel
    private let outcome: NIOLockedValueBox<Outcome>
    private let readEvery: Duration

    /// Connects over TLS trusting `caFile`, subscribes to `topic`, and reads one socket read of
    /// at most 4 KiB every `readEvery`.
    static func connect(port: Int, caFile: String, topic: String, readEvery: Duration = .milliseconds(5)) async throws -> SlowSubscriber {
        let outcome = NIOLockedValueBox(Outcome())
        let tls = try RawConnection.tlsContext(trusting: caFile)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(TLSHandler(context: tls))
                    try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameLength: .max)))
                    try pipeline.addHandler(SlowSubscriberCounter(outcome: outcome))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        let subscriber = SlowSubscriber(channel: channel, outcome: outcome, readEvery: readEvery)
        var hello = ByteBuffer()
        try hello.writeFrame(.hello(Frame.Hello(minVersion: 1, maxVersion: 1, clientName: "slow")))
        try hello.writeFrame(.subscribe(Frame.Subscribe(subscriptionID: 1, pattern: topic)))
        try hello.writeFrame(.ping(Frame.Ping(token: 1)))
        try await channel.writeAndFlush(hello)
        try await eventually(within: 20, "the subscription to be open") {
            channel.read()
            return outcome.withLockedValue { $0.closed || $0.sawPong }
        }
        return subscriber
    }

    private init(channel: any Channel, outcome: NIOLockedValueBox<Outcome>, readEvery: Duration) {
        self.channel = channel
        self.outcome = outcome
        self.readEvery = readEvery
    }

    /// Reads at its pace until the broker closes the connection.
    func readUntilClosed(within seconds: Double = 120) async throws -> Outcome {
        try await read(every: readEvery, within: seconds)
    }

    /// Reads once every `interval` until the broker closes the connection.
    func read(every interval: Duration, within seconds: Double = 120) async throws -> Outcome {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !outcome.withLockedValue({ $0.closed }) {
            guard ContinuousClock.now < deadline else { throw TimedOut(what: "the broker to close a slow subscriber") }
            channel.read()
            try await Task.sleep(for: interval)
        }
        return outcome.withLockedValue { $0 }
    }
}

private final class SlowSubscriberCounter: ChannelInboundHandler {
    typealias InboundIn = Frame

    private let outcome: NIOLockedValueBox<SlowSubscriber.Outcome>

    init(outcome: NIOLockedValueBox<SlowSubscriber.Outcome>) {
        self.outcome = outcome
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        outcome.withLockedValue { outcome in
            switch frame {
            case .message: outcome.received += 1
            case .dropNotice(let notice): outcome.notified += notice.count
            case .goodbye: outcome.sawGoodbye = true
            case .pong: outcome.sawPong = true
            default: break
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        outcome.withLockedValue { $0.closed = true }
    }
}
