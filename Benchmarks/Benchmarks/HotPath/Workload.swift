import NIOCore
import TernProtocol

/// The message every benchmark moves: a 128-byte payload on a three-token topic, without headers
/// or reply-to, like tern-bench's reference workload.
enum Workload {
    static let publish = Frame.Publish(topic: "orders.eu.created", payload: ByteBuffer(repeating: 0x2A, count: 128))
    static let subscriptionID: UInt32 = 7

    /// An empty buffer with room for `count` encoded frames, so that encoding into it allocates
    /// nothing.
    static func outputBuffer(frames count: Int) -> ByteBuffer {
        ByteBufferAllocator().buffer(capacity: count * (publish.payload.readableBytes + 64))
    }
}
