import NIOCore

/// Splits a byte stream into frames: a NIO `ByteToMessageDecoder`.
///
/// A frame whose length prefix exceeds ``maxFrameLength`` fails with
/// ``FrameDecodingError/frameTooLarge(length:limit:)`` as soon as its prefix arrives, before any
/// of it is buffered. Payloads are slices of the received bytes, not copies.
public struct FrameDecoder: ByteToMessageDecoder, NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = Frame

    /// The largest frame accepted, not counting its four-byte length prefix.
    public var maxFrameLength: UInt32
    /// The last topic decoded, reused while frames keep naming it.
    private var recentTopic: String?

    public init(maxFrameLength: UInt32 = Limits.defaults.maxFrameLength) {
        self.maxFrameLength = maxFrameLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws(FrameDecodingError) -> Frame? {
        guard let (type, flags, body) = try nextFrame(from: &buffer) else { return nil }
        return try Frame(type: type, flags: flags, body: body, recentTopic: &recentTopic)
    }

    /// Decodes the frame at the start of `buffer`'s readable bytes, if it is all there: one of
    /// type `Direct` goes to `direct` as it is, any other to `other`. `false` when the frame is
    /// not complete yet.
    mutating func decodeNext<Direct: DirectlyDecodableFrame>(
        from buffer: inout ByteBuffer, direct: (consuming Direct) throws -> Void, other: (consuming Frame) throws -> Void
    ) throws -> Bool {
        guard let frameLength = try frameLength(at: buffer), buffer.readableBytes >= frameLength else { return false }
        var common = Direct.readCommonForm(from: buffer, frameLength: frameLength, recentTopic: &recentTopic)
        if let frame = common.take() {
            buffer.moveReaderIndex(forwardBy: frameLength)
            try direct(consume frame)
            return true
        }
        let (type, flags, body) = takeFrame(of: frameLength, from: &buffer)
        if type == Direct.frameType.rawValue {
            try direct(Frame.decode(Direct.frameType, flags: flags, body: body, recentTopic: &recentTopic) { reader throws(FrameDecodingError) in
                try Direct.read(from: &reader)
            })
        } else {
            try other(Frame(type: type, flags: flags, body: body, recentTopic: &recentTopic))
        }
        return true
    }

    /// Takes the next complete frame off `buffer`: its type, flags and body.
    func nextFrame(from buffer: inout ByteBuffer) throws(FrameDecodingError) -> (type: UInt8, flags: UInt8, body: ByteBuffer)? {
        guard let frameLength = try frameLength(at: buffer), buffer.readableBytes >= frameLength else { return nil }
        return takeFrame(of: frameLength, from: &buffer)
    }

    /// Takes the frame of `frameLength` bytes, prefix included, that `buffer` holds whole.
    private func takeFrame(of frameLength: Int, from buffer: inout ByteBuffer) -> (type: UInt8, flags: UInt8, body: ByteBuffer) {
        buffer.moveReaderIndex(forwardBy: 4)
        var body = buffer.readSlice(length: frameLength - 4)!
        let type = body.readInteger(as: UInt8.self)!
        let flags = body.readInteger(as: UInt8.self)!
        return (type, flags, body)
    }

    /// The length, prefix included, of the frame that starts `buffer`'s readable bytes, once its
    /// length prefix is there; it throws as soon as the prefix is out of bounds.
    func frameLength(at buffer: ByteBuffer) throws(FrameDecodingError) -> Int? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length <= maxFrameLength else { throw .frameTooLarge(length: length, limit: maxFrameLength) }
        guard length >= 2 else { throw .frameTooShort(length: length) }
        return 4 + Int(length)
    }

    /// Forgets the topic it reuses, so that the next frames share a new one.
    mutating func forgetRecentTopic() {
        recentTopic = nil
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Frame? {
        try decode(buffer: &buffer)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try decode(buffer: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
