#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TernFiles
import TernProtocol

/// Keeps the schema registry in one JSON file, replaced atomically (``DurableFile``): a crash
/// at any moment leaves either the old registry or the new one.
struct RegistryStore: Sendable {
    /// The file's contents.
    struct Contents: Codable {
        struct Subject: Codable {
            var name: String
            var id: UInt32
            var mode: String
            var versions: [Version]
        }

        struct Version: Codable {
            var number: UInt32
            var definition: String
        }

        var subjects: [Subject]
        var bindings: [String: String]

        init(_ subjects: some Sequence<SchemaRegistry.Subject>, bindings: [String: String]) {
            self.subjects = subjects.sorted { $0.id < $1.id }.map { subject in
                Subject(
                    name: subject.name, id: subject.id, mode: subject.mode.description,
                    versions: subject.versions.map { Version(number: $0.number, definition: $0.definition) }
                )
            }
            self.bindings = bindings
        }
    }

    /// Why the registry could not be read or saved, in one line naming the file.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let directory: String
    var path: String { directory + "/registry.json" }

    init(directory: String) {
        self.directory = directory
    }

    /// The saved registry, or `nil` when none was saved yet.
    func load() throws(Failure) -> Contents? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path)
        } catch {
            throw Failure(description: "\(error)")
        }
        do {
            return try JSONDecoder().decode(Contents.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw Failure(description: "the schema registry \(path) is damaged: \(Self.describe(error))")
        } catch {
            throw Failure(description: "the schema registry \(path) is damaged: \(error)")
        }
    }

    func save(_ contents: Contents) throws(Failure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try Directories.create(directory)
            try DurableFile.write(Array(try encoder.encode(contents)), to: path)
        } catch let error as FileError {
            throw Failure(description: "\(error)")
        } catch {
            throw Failure(description: "cannot encode the schema registry: \(error)")
        }
    }

    /// A decoding error in one line: where in the file, and what was wrong.
    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            return context.underlyingError.map { "not valid JSON (\($0))" } ?? "\(location(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(location(context, appending: key)): missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(location(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func location(_ context: DecodingError.Context, appending key: (any CodingKey)? = nil) -> String {
        let path = (context.codingPath + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "the top level" : String(path.drop { $0 == "." })
    }
}
