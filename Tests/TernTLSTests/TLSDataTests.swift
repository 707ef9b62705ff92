import NIOCore
import TernTLS
import Testing

@Suite("Data transfer and backpressure over loopback")
struct TLSDataTests {
    /// `count` bytes of a deterministic, non-repeating-looking pattern.
    private func pattern(_ count: Int) -> ByteBuffer {
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { storage, initialized in
            for index in 0..<count {
                storage[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9)
            }
            initialized = count
        }
        return ByteBuffer(bytes: bytes)
    }

    /// A connected echo server and a client, both handshaken.
    private func echoPair(
        fixture: CertificateFixture,
        serverAutoRead: Bool = true,
        serverBehaviour: ProbeHandler.Behaviour = .echo
    ) async throws -> (server: any Channel, client: any Channel, serverProbe: Probe, clientProbe: Probe) {
        let serverProbe = Loopback.probe()
        let clientProbe = Loopback.probe()
        let server = try await Loopback.startServer(
            context: TLSContext(configuration: fixture.serverConfiguration()),
            probe: serverProbe,
            behaviour: serverBehaviour,
            autoRead: serverAutoRead
        )
        let client = try await Loopback.connect(
            to: server.port,
            context: TLSContext(configuration: fixture.clientConfiguration()),
            probe: clientProbe
        )
        _ = try await waitFor(clientProbe.handshake.futureResult, "client handshake")
        _ = try await waitFor(serverProbe.handshake.futureResult, "server handshake")
        return (server, client, serverProbe, clientProbe)
    }

    @Test("4 MiB in 64 KiB writes arrive intact and come back intact")
    func largeWrites() async throws {
        let fixture = try CertificateFixture()
        let pair = try await self.echoPair(fixture: fixture)
        defer { pair.server.close(promise: nil) }
        let payload = self.pattern(4 * 1024 * 1024)

        var remaining = payload
        var writes: [EventLoopFuture<Void>] = []
        while remaining.readableBytes > 0 {
            writes.append(pair.client.writeNow(remaining.readSlice(length: min(64 * 1024, remaining.readableBytes))!))
        }
        pair.client.flush()
        try await waitFor(EventLoopFuture.andAllSucceed(writes, on: pair.client.eventLoop), "write promises")

        let echoed = try await waitFor(pair.clientProbe.bytes(payload.readableBytes), "4 MiB echo", seconds: 60)
        #expect(echoed == payload)
        #expect(pair.serverProbe.received == payload)
        try await pair.client.close().get()
    }

    @Test("1 MiB in 150,000 tiny writes (1-13 bytes), flushed in batches, arrive intact and every promise completes")
    func tinyWrites() async throws {
        let fixture = try CertificateFixture()
        let pair = try await self.echoPair(fixture: fixture)
        defer { pair.server.close(promise: nil) }
        let payload = self.pattern(1024 * 1024)
        let client = pair.client

        // Write on the event loop, so that each write is a real small write into the handler,
        // in batches of 1000 writes and one flush, letting the loop serve others in between.
        var remaining = payload
        var size = 1
        var batches: [EventLoopFuture<Void>] = []
        while remaining.readableBytes > 0 {
            var slices: [ByteBuffer] = []
            while slices.count < 1000, remaining.readableBytes > 0 {
                slices.append(remaining.readSlice(length: min(size, remaining.readableBytes))!)
                size = size % 13 + 1
            }
            let batchSlices = slices
            let batch = try await client.eventLoop.submit {
                let futures = batchSlices.map { client.writeNow($0) }
                client.flush()
                return EventLoopFuture.andAllSucceed(futures, on: client.eventLoop)
            }.get()
            batches.append(batch)
        }
        let written = EventLoopFuture.andAllSucceed(batches, on: client.eventLoop)
        try await waitFor(written, "write promises", seconds: 60)

        let echoed = try await waitFor(pair.clientProbe.bytes(payload.readableBytes), "1 MiB echo", seconds: 60)
        #expect(echoed == payload)
        try await client.close().get()
    }

    @Test("writes before the handshake completes are held and sent after it")
    func writesDuringHandshake() async throws {
        let fixture = try CertificateFixture()
        let serverProbe = Loopback.probe()
        let clientProbe = Loopback.probe()
        let server = try await Loopback.startServer(
            context: TLSContext(configuration: fixture.serverConfiguration()),
            probe: serverProbe
        )
        defer { server.close(promise: nil) }
        let client = try await Loopback.connect(
            to: server.port,
            context: TLSContext(configuration: fixture.clientConfiguration()),
            probe: clientProbe
        )
        // Connected, but the handshake has only just begun.
        let written = client.writeNow(ByteBuffer(string: "early"), flush: true)
        try await waitFor(written, "early write")
        let echoed = try await waitFor(clientProbe.bytes(5), "echo of the early write")
        #expect(String(buffer: echoed) == "early")
        try await client.close().get()
    }

    @Test("with autoRead off, data is delivered only when read() is called")
    func autoReadOff() async throws {
        let fixture = try CertificateFixture()
        // The server handshakes with autoRead off: the handler reads for the handshake itself.
        let pair = try await self.echoPair(fixture: fixture, serverAutoRead: false, serverBehaviour: .sink)
        defer { pair.server.close(promise: nil) }
        let serverChannel = try await waitFor(pair.serverProbe.channel.futureResult, "server channel")

        try await pair.client.writeAndFlush(ByteBuffer(string: "first")).get()
        try await Task.sleep(for: .milliseconds(300))
        #expect(pair.serverProbe.received.readableBytes == 0)

        serverChannel.read()
        let first = try await waitFor(pair.serverProbe.bytes(5), "first read")
        #expect(String(buffer: first) == "first")

        try await pair.client.writeAndFlush(ByteBuffer(string: "second")).get()
        try await Task.sleep(for: .milliseconds(300))
        #expect(String(buffer: pair.serverProbe.received) == "first")

        serverChannel.read()
        let both = try await waitFor(pair.serverProbe.bytes(11), "second read")
        #expect(String(buffer: both) == "firstsecond")
        // Closing from the server: the client (autoRead on) answers its close_notify at once.
        try await waitFor(serverChannel.closeNow(), "server close")
    }
}
