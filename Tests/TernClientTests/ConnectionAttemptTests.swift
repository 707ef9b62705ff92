import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

/// Opens each attempt as Happy Eyeballs does for a host name with two addresses: the client's
/// handler goes into a channel per address; the first address is slow, so the second is tried
/// too, connects first and wins, and the first channel is closed unconnected.
final class TwoAddressOpener: ChannelOpener {
    let loser: NIOAsyncTestingChannel
    let winner: NIOAsyncTestingChannel

    init(on loop: NIOAsyncTestingEventLoop) {
        loser = NIOAsyncTestingChannel(loop: loop)
        winner = NIOAsyncTestingChannel(loop: loop)
    }

    func open(
        to server: ServerAddress, on eventLoop: any EventLoop, addingHandler addHandler: @escaping @Sendable (any Channel) throws -> Void
    ) -> EventLoopFuture<any Channel> {
        let (loser, winner) = (self.loser, self.winner)
        return eventLoop.makeCompletedFuture {
            try addHandler(loser)
            try addHandler(winner)
            winner.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: server.port), promise: nil)
            loser.close(promise: nil)
            return winner
        }
    }
}

@Suite("Client: a connection attempt over several channels", .timeLimit(.minutes(1)))
struct ConnectionAttemptTests {
    @Test("the channel that wins an attempt gets HELLO, and the attempt keeps its deadline when the losing one closes")
    func losingChannelLeavesTheAttemptAlone() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let opener = TwoAddressOpener(on: loop)
        var configuration = BrokerEnd.configuration
        configuration.connectTimeout = .seconds(5)
        let connecting = Task { try await TernClient.connect(configuration, opener: opener, on: loop) }
        while !opener.winner.isActive { await Task.yield() }
        await loop.run()
        var written = try await opener.winner.readOutbound(as: ByteBuffer.self) ?? ByteBuffer()
        var decoder = FrameDecoder(maxFrameLength: .max)
        guard case .hello = try decoder.decode(buffer: &written) else {
            Issue.record("no HELLO on the winning channel")
            try await opener.winner.close()
            _ = try? await connecting.value
            return
        }
        // No WELCOME: the attempt must end at its deadline, not wait forever.
        await loop.advanceTime(by: .seconds(5))
        await loop.run()
        #expect(!opener.winner.isActive, "the deadline closed the winning channel")
        if opener.winner.isActive { try await opener.winner.close() }
        await #expect(throws: TernClientError.timeout) { try await connecting.value }
    }
}
