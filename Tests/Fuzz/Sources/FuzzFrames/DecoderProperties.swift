import NIOCore
import TernProtocol

/// What must hold for every byte stream the decoder reads.
enum DecoderProperties {
    static func check(_ bytes: [UInt8], decoded: DecodedStream) {
        // Fed in pieces, as a socket delivers it, the stream decodes to the same frames and error.
        let pieces = DecodedStream(bytes, chunkSizes: bytes.lazy.map { Int($0 % 7) + 1 })
        FuzzFrames.check(pieces.frames == decoded.frames, "frames differ when fed in pieces")
        FuzzFrames.check(pieces.error == decoded.error, "errors differ when fed in pieces: \(String(describing: pieces.error)) vs \(String(describing: decoded.error))")
        // The broker's and the client's frame streams, which hand out publishes and messages
        // without the enum around them, read the same frames and fail the same way.
        for direct in [FrameType.publish, .message] {
            let streamed = StreamedFrames(bytes, chunkSizes: bytes.lazy.map { Int($0 % 5) + 1 }, handingOut: direct)
            FuzzFrames.check(streamed.frames == decoded.frames, "a frame stream handing out \(direct) frames reads other frames")
            FuzzFrames.check(streamed.error == decoded.error, "a frame stream handing out \(direct) frames fails otherwise: \(String(describing: streamed.error))")
        }
        if let error = decoded.error, case .frameTooLarge(let length, _) = error {
            FuzzFrames.check(length > DecodedStream.maxFrameLength, "frame_too_large for a length within the limit")
        }
        for frame in decoded.frames {
            checkRoundTrip(frame)
        }
    }

    /// A decoded frame encodes, and its encoding decodes to the same frame.
    private static func checkRoundTrip(_ frame: Frame) {
        var buffer = ByteBuffer()
        do {
            try buffer.writeFrame(frame)
        } catch {
            FuzzFrames.check(false, "a decoded frame does not encode: \(error): \(frame)")
        }
        var decoder = FrameDecoder(maxFrameLength: .max)
        do {
            let again = try decoder.decode(buffer: &buffer)
            FuzzFrames.check(again == frame, "round trip changed \(frame) into \(String(describing: again))")
            FuzzFrames.check(buffer.readableBytes == 0, "the encoding of \(frame) has trailing bytes")
        } catch {
            FuzzFrames.check(false, "the encoding of \(frame) does not decode: \(error)")
        }
    }
}
