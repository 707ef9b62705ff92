import NIOCore

/// Splits the bytes a connection receives, read by read, into frames.
///
/// Frames are decoded straight from each read's buffer; only a frame that straddles two reads is
/// copied, into a buffer of its own, and only its bytes. So the payloads handed out stay slices
/// of the reads, and no read buffer is ever copied because a payload still refers to it, as a
/// cumulation buffer that discards its read bytes would.
public struct FrameStream {
    public private(set) var decoder: FrameDecoder
    /// The first bytes of a frame whose rest has not arrived yet.
    private var partial: ByteBuffer?

    public init(decoder: FrameDecoder) {
        self.decoder = decoder
    }

    /// Calls `receive` with each frame that `bytes` completes, in order.
    ///
    /// - Throws: ``FrameDecodingError`` for bytes that are not a frame (nothing after them can be
    ///   framed either), or what `receive` throws.
    public mutating func process(_ bytes: ByteBuffer, _ receive: (consuming Frame) throws -> Void) throws {
        // Each read's frames share their topic string, but not with earlier reads: the string's
        // reference count is then not contended between this thread, which makes the frames,
        // and the one that consumes the previous read's.
        decoder.forgetRecentTopic()
        var input = bytes
        if var head = partial.take() {
            guard let frame = try complete(&head, from: &input) else {
                partial = head
                return
            }
            try receive(frame)
        }
        while let frame = try decoder.decode(buffer: &input) {
            try receive(consume frame)
        }
        if input.readableBytes > 0 {
            var rest = ByteBuffer()
            rest.writeImmutableBuffer(input)
            partial = rest
        }
    }

    /// Moves into `head`, the start of a frame, as much of `input` as that frame needs; the frame
    /// once it is complete.
    private mutating func complete(_ head: inout ByteBuffer, from input: inout ByteBuffer) throws(FrameDecodingError) -> Frame? {
        if head.readableBytes < 4 {
            head.writeImmutableBuffer(input.readSlice(length: min(4 - head.readableBytes, input.readableBytes))!)
        }
        guard let frameLength = try decoder.frameLength(at: head) else { return nil }
        let missing = min(frameLength - head.readableBytes, input.readableBytes)
        head.writeImmutableBuffer(input.readSlice(length: missing)!)
        return try decoder.decode(buffer: &head)
    }
}
