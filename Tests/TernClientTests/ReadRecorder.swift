import NIOConcurrencyHelpers
import NIOCore

/// Counts the reads the client's handler asks the channel for: it holds them back while a
/// subscription's buffer is full.
final class ReadRecorder: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer

    let reads: NIOLockedValueBox<Int>

    init(reads: NIOLockedValueBox<Int>) {
        self.reads = reads
    }

    func read(context: ChannelHandlerContext) {
        reads.withLockedValue { $0 += 1 }
        context.read()
    }
}
