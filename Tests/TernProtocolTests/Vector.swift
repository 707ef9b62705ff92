import Foundation
import NIOCore
import Testing
import TernProtocol

/// One golden vector from Protocol/vectors, in the format Protocol/vectors/README.md describes.
struct Vector: CustomTestStringConvertible, Sendable {
    /// The file name without `.txt`.
    var name: String
    /// The bytes of all `hex:` lines, in order.
    var bytes: [UInt8]
    /// The `error:` line's value; `nil` for a valid frame.
    var expectedError: String?
    /// Why the file could not be read or parsed, if it could not.
    var problem: String?

    var testDescription: String { name }

    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    /// Every vector of client frames, sorted by name.
    static let all: [Vector] = load(from: "Protocol/vectors")

    /// Every vector of route frames (CLUSTER.md), sorted by name.
    static let routes: [Vector] = load(from: "Protocol/vectors/routes")

    /// The vectors in `path`, relative to the package's directory, sorted by name.
    private static func load(from path: String) -> [Vector] {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(path)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted().map { file in
            let name = String(file.dropLast(4))
            guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else {
                var vector = Vector(name: name, text: "")
                vector.problem = "unreadable file"
                return vector
            }
            return Vector(name: name, text: text)
        }
    }

    static var valid: [Vector] { all.filter { $0.expectedError == nil } }
    static var invalid: [Vector] { all.filter { $0.expectedError != nil } }

    init(name: String, text: String) {
        self.name = name
        self.bytes = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("hex:") {
                guard let parsed = Self.parseHex(line.dropFirst(4)) else {
                    problem = "bad hex line: \(line)"
                    continue
                }
                bytes += parsed
            } else if line.hasPrefix("error:") {
                expectedError = line.dropFirst(6).trimmingCharacters(in: .whitespaces)
            }
        }
    }

    /// Parses pairs of hex digits, ignoring whitespace.
    private static func parseHex(_ text: Substring) -> [UInt8]? {
        let digits = text.filter { !$0.isWhitespace }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2, limitedBy: digits.endIndex) ?? digits.endIndex
            guard digits.distance(from: index, to: next) == 2, let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
