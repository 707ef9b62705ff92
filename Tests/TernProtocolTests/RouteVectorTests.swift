import NIOCore
import Testing
import TernProtocol

@Suite("Golden vectors of route frames")
struct RouteVectorTests {
    private static let maxFrameLength: UInt32 = 1_048_576

    @Test("the route vectors are found and every file parses")
    func vectorsLoad() {
        #expect(Vector.routes.count >= 15)
        for vector in Vector.routes {
            #expect(vector.problem == nil, "\(vector.name)")
            #expect(!vector.bytes.isEmpty, "\(vector.name)")
        }
    }

    @Test("a valid route vector decodes to its frame and re-encodes byte for byte", arguments: Vector.routes.filter { $0.expectedError == nil })
    func validVector(_ vector: Vector) throws {
        var decoder = RouteFrameDecoder(maxFrameLength: Self.maxFrameLength)
        var input = vector.buffer
        let frame = try #require(try decoder.decode(buffer: &input))
        #expect(input.readableBytes == 0, "the vector holds more than one frame")
        #expect(frame == ExpectedRouteFrames.byVector[vector.name], "the frame is not what the vector means")

        var encoded = ByteBuffer()
        let written = try encoded.writeRouteFrame(frame)
        #expect(written == vector.bytes.count)
        #expect(Array(encoded.readableBytesView) == vector.bytes)
    }

    @Test("an invalid route vector fails with its stated error", arguments: Vector.routes.filter { $0.expectedError != nil })
    func invalidVector(_ vector: Vector) throws {
        var decoder = RouteFrameDecoder(maxFrameLength: Self.maxFrameLength)
        var input = vector.buffer
        let error = try #require(throws: FrameDecodingError.self) { try decoder.decode(buffer: &input) }
        if vector.expectedError == "not_a_route_frame" {
            #expect(error == .notARouteFrame(type: vector.bytes[4]))
        } else {
            let expected = try #require(ExpectedDecodingError(rawValue: vector.expectedError ?? ""), "unknown error name")
            #expect(expected.matches(error), "got \(error)")
        }
        #expect(error.code == .malformedFrame)
    }

    @Test("every route frame type has a valid vector, and every vector a meaning")
    func everyTypeCovered() {
        let valid = Vector.routes.filter { $0.expectedError == nil }
        let types = Set(valid.compactMap { $0.bytes.count > 4 ? RouteFrameType(rawValue: $0.bytes[4]) : nil })
        #expect(Set(RouteFrameType.allCases).subtracting(types).isEmpty, "missing: \(Set(RouteFrameType.allCases).subtracting(types))")
        #expect(Set(valid.map(\.name)) == Set(ExpectedRouteFrames.byVector.keys))
    }

    @Test("a client decoder sees every route frame as a type it does not know")
    func clientDecoderSkipsRouteFrames() throws {
        for vector in Vector.routes where vector.expectedError == nil && RouteFrameType(rawValue: vector.bytes[4]) != nil {
            var decoder = FrameDecoder()
            var input = vector.buffer
            let frame = try #require(try decoder.decode(buffer: &input))
            #expect(frame.type == nil, "\(vector.name)")
        }
    }

    @Test("route frames round-trip through encoding and decoding, also in pieces")
    func roundTrip() throws {
        var stream = ByteBuffer()
        let frames = Array(ExpectedRouteFrames.byVector.values) + [.pong(.init(token: 9)), .goodbye(.init(code: .serverShuttingDown, message: "bye"))]
        for frame in frames { try stream.writeRouteFrame(frame) }
        var decoder = RouteFrameDecoder(maxFrameLength: Self.maxFrameLength)
        var decoded: [RouteFrame] = []
        var pending = ByteBuffer()
        while stream.readableBytes > 0 {
            var piece = stream.readSlice(length: min(3, stream.readableBytes))!
            pending.writeBuffer(&piece)
            while let frame = try decoder.decode(buffer: &pending) { decoded.append(frame) }
        }
        #expect(decoded == frames)
    }

    @Test("a route frame over the max frame length fails before its body arrives")
    func frameTooLarge() throws {
        var decoder = RouteFrameDecoder(maxFrameLength: 64)
        var input = ByteBuffer(bytes: [0, 0, 0, 65, 0x17])
        #expect(throws: FrameDecodingError.frameTooLarge(length: 65, limit: 64)) { try decoder.decode(buffer: &input) }
    }
}
