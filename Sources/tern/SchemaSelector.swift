import ArgumentParser
import TernClient

/// `SUBJECT[@VERSION]`: a subject of the registry and one of its versions, the latest when
/// none is given.
struct SchemaSelector: ExpressibleByArgument, CustomStringConvertible {
    var subject: String
    /// The version wanted; `nil` for the latest.
    var version: UInt32?

    init?(argument: String) {
        if let at = argument.lastIndex(of: "@"), let version = UInt32(argument[argument.index(after: at)...]), version > 0 {
            subject = String(argument[..<at])
            self.version = version
        } else {
            subject = argument
            version = nil
        }
        guard !subject.isEmpty else { return nil }
    }

    var description: String {
        version.map { "\(subject)@\($0)" } ?? subject
    }

    /// The selected version, fetched from the broker, and its parsed schema.
    func fetch(with client: TernClient) async throws -> MessageSchema {
        try MessageSchema(try await client.schema(subject: subject, version: version))
    }
}
