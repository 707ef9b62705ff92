import NIOCore
import TernTLS
import Testing

@Suite("Closing: close_notify, unclean shutdown and the shutdown timeout")
struct TLSCloseTests {
    private struct Pair {
        var server: any Channel
        var serverChild: any Channel
        var client: any Channel
        var serverProbe: Probe
        var clientProbe: Probe
    }

    private func connectedPair(
        fixture: CertificateFixture,
        clientConfiguration: TLSConfiguration? = nil,
        serverAutoRead: Bool = true
    ) async throws -> Pair {
        let serverProbe = Loopback.probe()
        let clientProbe = Loopback.probe()
        let server = try await Loopback.startServer(
            context: TLSContext(configuration: fixture.serverConfiguration()),
            probe: serverProbe,
            behaviour: .sink,
            autoRead: serverAutoRead
        )
        let client = try await Loopback.connect(
            to: server.port,
            context: TLSContext(configuration: clientConfiguration ?? fixture.clientConfiguration()),
            probe: clientProbe
        )
        _ = try await waitFor(clientProbe.handshake.futureResult, "client handshake")
        _ = try await waitFor(serverProbe.handshake.futureResult, "server handshake")
        let serverChild = try await waitFor(serverProbe.channel.futureResult, "server channel")
        return Pair(server: server, serverChild: serverChild, client: client, serverProbe: serverProbe, clientProbe: clientProbe)
    }

    @Test("a client's close sends close_notify; the server closes cleanly, without error")
    func clientCloses() async throws {
        let fixture = try CertificateFixture()
        let pair = try await self.connectedPair(fixture: fixture)
        defer { pair.server.close(promise: nil) }

        try await waitFor(pair.client.closeNow(), "client close")
        try await waitFor(pair.serverProbe.inactive.futureResult, "server close")
        #expect(pair.serverProbe.errors.isEmpty)
        #expect(pair.clientProbe.errors.isEmpty)
    }

    @Test("a server's close delivers its last data and closes the client cleanly, without error")
    func serverCloses() async throws {
        let fixture = try CertificateFixture()
        let pair = try await self.connectedPair(fixture: fixture)
        defer { pair.server.close(promise: nil) }

        pair.serverChild.writeAndFlush(ByteBuffer(string: "goodbye"), promise: nil)
        try await waitFor(pair.serverChild.closeNow(), "server close")
        try await waitFor(pair.clientProbe.inactive.futureResult, "client close")
        #expect(String(buffer: pair.clientProbe.received) == "goodbye")
        #expect(pair.clientProbe.errors.isEmpty)
        #expect(pair.serverProbe.errors.isEmpty)
    }

    @Test("a TCP close without close_notify reports uncleanShutdown before channelInactive")
    func uncleanShutdown() async throws {
        let fixture = try CertificateFixture()
        let pair = try await self.connectedPair(fixture: fixture)
        defer { pair.server.close(promise: nil) }

        // Close the server's socket from below its TLS handler, as a crash would.
        let child = pair.serverChild
        try await child.eventLoop.submit {
            try child.pipeline.syncOperations.context(handlerType: RawCloser.self).close(promise: nil)
        }.get()

        try await waitFor(pair.clientProbe.inactive.futureResult, "client close")
        // The probe records errors as they come, so this also checks the error came first.
        let errors = pair.clientProbe.errors.compactMap { $0 as? TLSError }
        #expect(errors == [.uncleanShutdown])
        #expect(TLSError.uncleanShutdown.description.contains("close_notify"))
    }

    @Test("a close waits at most the shutdown timeout for the peer's close_notify")
    func shutdownTimeout() async throws {
        let fixture = try CertificateFixture()
        var clientConfiguration = fixture.clientConfiguration()
        clientConfiguration.shutdownTimeout = .milliseconds(200)
        // The server reads nothing after its handshake, so it never answers close_notify.
        let pair = try await self.connectedPair(fixture: fixture, clientConfiguration: clientConfiguration, serverAutoRead: false)
        defer { pair.server.close(promise: nil) }

        try await waitFor(pair.client.closeNow(), "client close", seconds: 5)
        #expect(pair.clientProbe.errors.isEmpty)
        // Once the server reads, it finds the close_notify and closes cleanly too.
        pair.serverChild.read()
        try await waitFor(pair.serverProbe.inactive.futureResult, "server close")
        #expect(pair.serverProbe.errors.isEmpty)
    }

    @Test("TLSAbort closes at once, without waiting for a peer that answers nothing")
    func abort() async throws {
        let fixture = try CertificateFixture()
        var clientConfiguration = fixture.clientConfiguration()
        clientConfiguration.shutdownTimeout = .seconds(60)
        let pair = try await self.connectedPair(fixture: fixture, clientConfiguration: clientConfiguration, serverAutoRead: false)
        defer { pair.server.close(promise: nil) }

        let client = pair.client
        let pending = client.writeNow(ByteBuffer(string: "unflushed"), flush: false)
        let aborted = client.eventLoop.makePromise(of: Void.self)
        client.pipeline.triggerUserOutboundEvent(TLSAbort(), promise: aborted)
        try await waitFor(aborted.futureResult, "abort", seconds: 5)
        try await waitFor(client.closeFuture, "client closed at once", seconds: 5)
        await #expect(throws: ChannelError.self) { try await waitFor(pending, "a write the abort discarded") }
        #expect(pair.clientProbe.errors.isEmpty)
    }

    @Test("writes after close fail, writes before it succeed")
    func writesAroundClose() async throws {
        let fixture = try CertificateFixture()
        let pair = try await self.connectedPair(fixture: fixture)
        defer { pair.server.close(promise: nil) }

        let before = pair.client.writeNow(ByteBuffer(string: "before"), flush: true)
        let closed = pair.client.closeNow()
        let after = pair.client.writeNow(ByteBuffer(string: "after"), flush: true)
        try await waitFor(before, "write before close")
        try await waitFor(closed, "close")
        await #expect(throws: ChannelError.self) { try await waitFor(after, "write after close") }
        try await waitFor(pair.serverProbe.inactive.futureResult, "server close")
        #expect(String(buffer: pair.serverProbe.received) == "before")
    }
}
