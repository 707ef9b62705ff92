import NIOCore
import TernProtocol

/// What a ``FrameStream`` makes of a byte stream fed in pieces, handing out PUBLISH or MESSAGE
/// frames as they are, as the broker and the client read.
struct StreamedFrames {
    var frames: [Frame] = []
    /// The error that ended the stream, if one did.
    var error: FrameDecodingError?

    init(_ bytes: [UInt8], chunkSizes: some Sequence<Int>, handingOut direct: FrameType) {
        var stream = FrameStream(decoder: FrameDecoder(maxFrameLength: DecodedStream.maxFrameLength))
        var rest = bytes[...]
        var sizes = chunkSizes.makeIterator()
        var frames: [Frame] = []
        while !rest.isEmpty {
            let piece = ByteBuffer(bytes: rest.prefix(min(sizes.next() ?? Int.max, rest.count)))
            rest = rest.dropFirst(piece.readableBytes)
            do {
                if direct == .publish {
                    try stream.process(piece, publishes: { frames.append(.publish($0)) }, others: { frames.append($0) })
                } else {
                    try stream.process(piece, messages: { frames.append(.message($0)) }, others: { frames.append($0) })
                }
            } catch {
                self.error = error as? FrameDecodingError
                FuzzFrames.check(self.error != nil, "the frame stream threw \(error), not a FrameDecodingError")
                break
            }
        }
        self.frames = frames
    }
}
