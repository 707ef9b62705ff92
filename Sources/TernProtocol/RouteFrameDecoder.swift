import NIOCore

/// Splits the bytes of a route between cluster nodes into ``RouteFrame``s: a NIO
/// `ByteToMessageDecoder`, with the framing and length limit of ``FrameDecoder``.
public struct RouteFrameDecoder: ByteToMessageDecoder, NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = RouteFrame

    private var framing: FrameDecoder

    /// - Parameter maxFrameLength: The largest frame accepted, not counting its length prefix.
    public init(maxFrameLength: UInt32) {
        framing = FrameDecoder(maxFrameLength: maxFrameLength)
    }

    public mutating func decode(buffer: inout ByteBuffer) throws(FrameDecodingError) -> RouteFrame? {
        guard let (type, flags, body) = try framing.nextFrame(from: &buffer) else { return nil }
        return try RouteFrame(type: type, flags: flags, body: body)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RouteFrame? {
        try decode(buffer: &buffer)
    }
}
