#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TernProtocol

/// Keeps the schema registry in one JSON file, replaced atomically: written to a temporary
/// file, fsynced, renamed over the old one, and the directory fsynced, so a crash at any
/// moment leaves either the old registry or the new one.
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
        do {
            return try JSONDecoder().decode(Contents.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw Failure(description: "cannot read the schema registry \(path): \(error)")
        }
    }

    func save(_ contents: Contents) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(contents)
        let temporary = path + ".tmp"
        try Self.writeDurably(data, to: temporary)
        guard rename(temporary, path) == 0 else {
            throw Failure(description: "cannot rename \(temporary): \(Self.lastErrorText())")
        }
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Writes `data` to a new or emptied file at `path` and waits until it is on disk.
    private static func writeDurably(_ data: Data, to path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(path): \(lastErrorText())") }
        defer { close(descriptor) }
        var rest = data[...]
        while !rest.isEmpty {
            let written = rest.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write \(path): \(lastErrorText())")
            }
            rest = rest.dropFirst(written)
        }
        guard fsync(descriptor) == 0 else { throw Failure(description: "cannot sync \(path): \(lastErrorText())") }
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}
