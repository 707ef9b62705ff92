import NIOCore
import TernProtocol

/// libFuzzer's entry point: one input is a byte stream from a client.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let decoded = DecodedStream(bytes)
    DecoderProperties.check(bytes, decoded: decoded)
    HandshakeProperties.check(decoded)
    return 0
}

/// What the frame decoder makes of a byte stream fed in one piece.
struct DecodedStream {
    /// A small limit, so that inputs of libFuzzer's sizes reach `frame_too_large`.
    static let maxFrameLength: UInt32 = 1024

    var frames: [Frame] = []
    /// The error that ended decoding, if one did.
    var error: FrameDecodingError?
    /// Bytes left over that are not yet a whole frame.
    var leftover = 0

    init(_ bytes: [UInt8], chunkSizes: some Sequence<Int> = [Int.max]) {
        var decoder = FrameDecoder(maxFrameLength: Self.maxFrameLength)
        var buffer = ByteBuffer()
        var rest = bytes[...]
        var sizes = chunkSizes.makeIterator()
        repeat {
            let size = min(sizes.next() ?? Int.max, rest.count)
            buffer.writeBytes(rest.prefix(size))
            rest = rest.dropFirst(size)
            do {
                while let frame = try decoder.decode(buffer: &buffer) { frames.append(frame) }
            } catch {
                self.error = error as? FrameDecodingError
                check(self.error != nil, "the decoder threw \(error), not a FrameDecodingError")
                return
            }
        } while !rest.isEmpty
        leftover = buffer.readableBytes
    }
}

/// Stops the fuzzer with `message` when `condition` does not hold.
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
