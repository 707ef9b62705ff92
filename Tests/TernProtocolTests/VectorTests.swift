import NIOCore
import Testing
import TernProtocol

@Suite("Golden vectors")
struct VectorTests {
    @Test("the vectors directory is found and every file parses")
    func vectorsLoad() {
        #expect(Vector.all.count > 50)
        for vector in Vector.all {
            #expect(vector.problem == nil, "\(vector.name)")
            #expect(!vector.bytes.isEmpty, "\(vector.name)")
        }
    }

    @Test("a valid vector decodes to its frame and re-encodes byte for byte", arguments: Vector.valid)
    func validVector(_ vector: Vector) throws {
        var decoder = FrameDecoder()
        var input = vector.buffer
        let frame = try #require(try decoder.decode(buffer: &input))
        #expect(input.readableBytes == 0, "the vector holds more than one frame")
        #expect(frame == ExpectedFrames.byVector[vector.name], "the frame is not what the vector means")

        var encoded = ByteBuffer()
        let written = try encoded.writeFrame(frame)
        #expect(written == vector.bytes.count)
        #expect(Array(encoded.readableBytesView) == vector.bytes)
    }

    @Test("an invalid vector fails with its stated error", arguments: Vector.invalid)
    func invalidVector(_ vector: Vector) throws {
        let expected = try #require(ExpectedDecodingError(rawValue: vector.expectedError ?? ""), "unknown error name")
        var decoder = FrameDecoder()
        var input = vector.buffer
        if expected == .incomplete {
            #expect(try decoder.decode(buffer: &input) == nil)
            #expect(input.readableBytes == vector.bytes.count, "an incomplete frame must not be consumed")
            return
        }
        let error = try #require(throws: FrameDecodingError.self) { try decoder.decode(buffer: &input) }
        #expect(expected.matches(error), "got \(error)")
        #expect(error.code == expected.code)
    }

    @Test("every frame type has a valid vector, and so has an unknown type")
    func everyTypeCovered() throws {
        var covered: Set<FrameType> = []
        var sawUnknown = false
        for vector in Vector.valid {
            var decoder = FrameDecoder()
            var input = vector.buffer
            guard let frame = try decoder.decode(buffer: &input) else { continue }
            if let type = frame.type { covered.insert(type) } else { sawUnknown = true }
        }
        #expect(Set(FrameType.allCases).subtracting(covered).isEmpty, "missing: \(Set(FrameType.allCases).subtracting(covered))")
        #expect(sawUnknown)
    }

    @Test("every valid vector has an expected frame, and every expected frame a vector")
    func catalogMatchesFiles() {
        let names = Set(Vector.valid.map(\.name))
        let expected = Set(ExpectedFrames.byVector.keys)
        #expect(names.subtracting(expected).isEmpty, "vectors without a meaning: \(names.subtracting(expected).sorted())")
        #expect(expected.subtracting(names).isEmpty, "meanings without a vector: \(expected.subtracting(names).sorted())")
    }

    @Test("every error name is used by some invalid vector")
    func errorNamesCovered() {
        let used = Set(Vector.invalid.compactMap(\.expectedError))
        for name in ExpectedDecodingError.allCases.map(\.rawValue) {
            #expect(used.contains(name), "no vector for \(name)")
        }
    }
}
