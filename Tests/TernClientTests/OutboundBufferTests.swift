import NIOCore
import Testing
import TernProtocol
@testable import TernClient

@Suite("Outbound buffer")
struct OutboundBufferTests {
    private func appendBytes(_ outbound: OutboundBuffer, count: Int) throws -> OutboundBuffer.AppendOutcome {
        try outbound.append { buffer, _ in buffer.writeRepeatingByte(7, count: count) }
    }

    @Test("only the first append after a write schedules a drain")
    func oneDrainPerBatch() throws {
        let outbound = OutboundBuffer(limit: 100)
        #expect(try appendBytes(outbound, count: 10).scheduleDrain)
        #expect(try !appendBytes(outbound, count: 10).scheduleDrain)
        #expect(outbound.takeForWriting()?.readableBytes == 20)
        #expect(outbound.takeForWriting() == nil)
        #expect(try appendBytes(outbound, count: 10).scheduleDrain)
    }

    @Test("publishers wait while the pending bytes exceed the limit, and resume once written")
    func backpressure() async throws {
        let outbound = OutboundBuffer(limit: 100)
        let outcome = try appendBytes(outbound, count: 150)
        #expect(outcome.mustWait)
        async let waited: Void = outbound.waitForRoom()
        try await Task.sleep(for: .milliseconds(20))
        #expect(outbound.takeForWriting()?.readableBytes == 150)
        outbound.resumeWaitersIfRoom()
        try await waited
    }

    @Test("an unwritable channel holds the bytes until it is writable again")
    func writability() throws {
        let outbound = OutboundBuffer(limit: 100)
        #expect(!outbound.setWritable(false))
        let outcome = try appendBytes(outbound, count: 10)
        #expect(!outcome.scheduleDrain)
        #expect(outcome.mustWait)
        #expect(outbound.takeForWriting() == nil)
        #expect(outbound.takeForWriting(force: true)?.readableBytes == 10)
        _ = try appendBytes(outbound, count: 10)
        #expect(outbound.setWritable(true))
        #expect(outbound.takeForWriting()?.readableBytes == 10)
    }

    @Test("after a failure appends and waits throw it")
    func failure() async throws {
        let outbound = OutboundBuffer(limit: 10)
        _ = try appendBytes(outbound, count: 20)
        let waiter = Task { try await outbound.waitForRoom() }
        try await Task.sleep(for: .milliseconds(20))
        outbound.fail(.closed)
        await #expect(throws: TernClientError.closed) { try await waiter.value }
        #expect(throws: TernClientError.closed) { try appendBytes(outbound, count: 1) }
    }
}
