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
    /// Reads not processed yet because a receiver asked to stop (see
    /// ``process(_:publishes:others:)-(ByteBuffer?,_,_)``), oldest first.
    private var waiting: [ByteBuffer] = []

    public init(decoder: FrameDecoder) {
        self.decoder = decoder
    }

    /// Calls `receive` with each frame that `bytes` completes, in order.
    ///
    /// - Throws: ``FrameDecodingError`` for bytes that are not a frame (nothing after them can be
    ///   framed either), or what `receive` throws.
    public mutating func process(_ bytes: ByteBuffer, _ receive: (consuming Frame) throws -> Void) throws {
        try process(bytes, messages: { message in try receive(.message(message)) }, others: receive)
    }

    /// Calls `publishes` with each PUBLISH that `bytes` completes and `others` with each other
    /// frame, in order. A publish arrives as it is, not as a ``Frame`` it would be copied out of.
    public mutating func process(
        _ bytes: ByteBuffer, publishes: (consuming Frame.Publish) throws -> Void, others: (consuming Frame) throws -> Void
    ) throws {
        try split(bytes, direct: publishes, other: others)
    }

    /// Calls `messages` with each MESSAGE that `bytes` completes and `others` with each other
    /// frame, in order. A message arrives as it is, not as a ``Frame`` it would be copied out of.
    public mutating func process(
        _ bytes: ByteBuffer, messages: (consuming Frame.Message) throws -> Void, others: (consuming Frame) throws -> Void
    ) throws {
        try split(bytes, direct: messages, other: others)
    }

    /// Whether bytes already received wait to be processed.
    public var hasWaitingInput: Bool { !waiting.isEmpty }

    /// Keeps `bytes` for a later call of ``process(_:publishes:others:)-(ByteBuffer?,_,_)`` with
    /// `nil`, after the input that already waits.
    public mutating func keep(_ bytes: ByteBuffer) {
        waiting.append(bytes)
    }

    /// Like ``process(_:publishes:others:)-(ByteBuffer,_,_)``, but a receiver can ask to stop
    /// after its frame by returning `false`: the bytes after it, and any read given while they
    /// wait, are kept for a later call with `nil`, which goes on where this one stopped.
    public mutating func process(
        _ bytes: ByteBuffer?, publishes: (consuming Frame.Publish) throws -> Bool, others: (consuming Frame) throws -> Bool
    ) throws {
        if let bytes { waiting.append(bytes) }
        var keepGoing = true
        while keepGoing, !waiting.isEmpty {
            let input = waiting.removeFirst()
            var rest: ByteBuffer?
            try split(input, direct: { keepGoing = try publishes($0) }, other: { keepGoing = try others($0) }, while: { keepGoing }) {
                rest = $0
            }
            if let rest { waiting.insert(rest, at: 0) }
        }
    }

    private mutating func split<Direct: DirectlyDecodableFrame>(
        _ bytes: ByteBuffer, direct: (consuming Direct) throws -> Void, other: (consuming Frame) throws -> Void
    ) throws {
        try split(bytes, direct: direct, other: other, while: { true }) { _ in }
    }

    /// Decodes the frames of `bytes` while `shouldContinue` holds; gives what is left, whole
    /// frames and all, to `keep`.
    private mutating func split<Direct: DirectlyDecodableFrame>(
        _ bytes: ByteBuffer, direct: (consuming Direct) throws -> Void, other: (consuming Frame) throws -> Void,
        while shouldContinue: () -> Bool, keep: (ByteBuffer) -> Void
    ) throws {
        // Each read's frames share their topic string, but not with earlier reads: the string's
        // reference count is then not contended between this thread, which makes the frames,
        // and the one that consumes the previous read's.
        decoder.forgetRecentTopic()
        var input = bytes
        if var head = partial.take() {
            guard try complete(&head, from: &input, direct: direct, other: other) else {
                partial = head
                return
            }
        }
        while shouldContinue(), try decoder.decodeNext(from: &input, direct: direct, other: other) {}
        guard shouldContinue() else {
            if input.readableBytes > 0 { keep(input) }
            return
        }
        if input.readableBytes > 0 {
            var rest = ByteBuffer()
            rest.writeImmutableBuffer(input)
            partial = rest
        }
    }

    /// Moves into `head`, the start of a frame, as much of `input` as that frame needs, and hands
    /// the frame on once it is complete; `false` while it is not.
    private mutating func complete<Direct: DirectlyDecodableFrame>(
        _ head: inout ByteBuffer, from input: inout ByteBuffer, direct: (consuming Direct) throws -> Void, other: (consuming Frame) throws -> Void
    ) throws -> Bool {
        if head.readableBytes < 4 {
            head.writeImmutableBuffer(input.readSlice(length: min(4 - head.readableBytes, input.readableBytes))!)
        }
        guard let frameLength = try decoder.frameLength(at: head) else { return false }
        let missing = min(frameLength - head.readableBytes, input.readableBytes)
        head.writeImmutableBuffer(input.readSlice(length: missing)!)
        return try decoder.decodeNext(from: &head, direct: direct, other: other)
    }
}
