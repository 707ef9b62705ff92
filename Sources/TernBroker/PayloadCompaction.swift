import NIOCore

/// Payloads arrive as slices of the connection's read buffers, and a slice keeps its whole
/// buffer alive: a queued 100-byte message could hold on to a 64 KiB read. Before a read's
/// publishes go to their topic, the payloads that are a small part of their buffer are copied
/// into one buffer of their own, so what topics and subscriber queues hold stays close to the
/// bytes they count.
enum PayloadCompaction {
    /// Whether `payload` holds on to more than twice its own size.
    static func pinsExcessStorage(_ payload: ByteBuffer) -> Bool {
        payload.storageCapacity > 2 * payload.readableBytes
    }

    /// Copies the payloads of `messages` that pin excess storage into one shared buffer.
    static func compact(_ messages: inout [PublishedMessage], allocator: ByteBufferAllocator) {
        var bytes = 0
        var copies = 0
        for message in messages where pinsExcessStorage(message.payload) {
            bytes += message.payload.readableBytes
            copies += 1
        }
        guard copies > 0 else { return }
        var storage = allocator.buffer(capacity: bytes)
        for message in messages where pinsExcessStorage(message.payload) {
            storage.writeImmutableBuffer(message.payload)
        }
        // Slices are taken only once everything is written, so the writes never copy the storage.
        for index in messages.indices where pinsExcessStorage(messages[index].payload) {
            if let compact = storage.readSlice(length: messages[index].payload.readableBytes) {
                messages[index].payload = compact
            }
        }
    }
}
