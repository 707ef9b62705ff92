import NIOCore
import Testing
@testable import TernBroker
import TernProtocol

@Suite struct PayloadCompactionTests {
    /// A message whose payload is `length` bytes at `offset` of `read`.
    private func message(in read: ByteBuffer, offset: Int, length: Int) -> PublishedMessage {
        PublishedMessage(Frame.Publish(topic: "t", payload: read.getSlice(at: offset, length: length) ?? ByteBuffer()))
    }

    @Test func smallPayloadsOfALargeReadAreCopiedIntoOneCompactBuffer() {
        let read = ByteBuffer(bytes: (0..<65_536).map { UInt8(truncatingIfNeeded: $0) })
        var messages = [message(in: read, offset: 100, length: 128), message(in: read, offset: 1000, length: 50)]
        let originals = messages.map(\.payload)
        PayloadCompaction.compact(&messages, allocator: ByteBufferAllocator())
        #expect(messages.map(\.payload) == originals, "the bytes are kept")
        for message in messages {
            #expect(message.payload.storageCapacity < 1024, "holds \(message.payload.storageCapacity) bytes, not the 64 KiB read")
        }
    }

    @Test func consecutivePayloadsOfOneReadShareOneCopy() {
        let read = ByteBuffer(bytes: (0..<65_536).map { UInt8(truncatingIfNeeded: $0 / 7) })
        // 100 payloads of 128 bytes, each after a 20-byte gap, as frames of one read lie.
        var messages = (0..<100).map { message(in: read, offset: 20 + 148 * $0, length: 128) }
        let originals = messages.map(\.payload)
        PayloadCompaction.compact(&messages, allocator: ByteBufferAllocator())
        #expect(messages.map(\.payload) == originals, "the bytes are kept")
        let storages = Set(messages.map { message in
            message.payload.withUnsafeReadableBytesWithStorageManagement { ObjectIdentifier($1.takeUnretainedValue()) }
        })
        #expect(storages.count == 1)
        #expect(messages[0].payload.storageCapacity <= 16_384, "holds \(messages[0].payload.storageCapacity) bytes")
    }

    @Test func aRunThatFillsHalfOfItsReadKeepsIt() {
        let read = ByteBuffer(bytes: (0..<65_536).map { UInt8(truncatingIfNeeded: $0 / 7) })
        // 400 payloads of 128 bytes, 20 bytes apart: 51,200 of the read's 65,536 bytes.
        var messages = (0..<400).map { message(in: read, offset: 20 + 148 * $0, length: 128) }
        let originals = messages.map(\.payload)
        PayloadCompaction.compact(&messages, allocator: ByteBufferAllocator())
        #expect(messages.map(\.payload) == originals)
        #expect(messages.allSatisfy { $0.payload.storageCapacity == read.storageCapacity }, "no copy was made")
    }

    @Test func payloadsThatFillMostOfTheirBufferAreShared() {
        let read = ByteBuffer(repeating: 7, count: 4096)
        var messages = [message(in: read, offset: 0, length: 3000)]
        PayloadCompaction.compact(&messages, allocator: ByteBufferAllocator())
        #expect(messages[0].payload.storageCapacity == read.storageCapacity)
    }
}
