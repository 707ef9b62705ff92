import NIOCore
import TernProtocol
import TernSchema

/// A writer version and a reader version of one subject.
struct ResolverKey: Hashable {
    var subjectID: UInt32
    var writer: UInt32
    var reader: UInt32
}

extension ConnectionHandler {
    /// `message` as a subscriber reading its subject as `readAs` sees it: resolved from the
    /// version it was written with to that version, or `nil` when it cannot be.
    func readable(_ message: PublishedMessage, as readAs: SchemaReference?) -> PublishedMessage? {
        guard let readAs, let written = message.schema, written.subjectID == readAs.subjectID, written.version != readAs.version else {
            return message
        }
        let key = ResolverKey(subjectID: readAs.subjectID, writer: written.version, reader: readAs.version)
        guard let resolver = resolver(for: key) else { return nil }
        guard let bytes = try? message.payload.withUnsafeReadableBytes({ bytes throws(SchemaValueError) in try resolver.resolve(bytes) }) else {
            return nil
        }
        var resolved = message
        resolved.schema = readAs
        resolved.payload = ByteBuffer(bytes: bytes)
        return resolved
    }

    /// The resolver for `key`, compiled once per connection; `nil` when the versions cannot be
    /// resolved (or no longer exist).
    private func resolver(for key: ResolverKey) -> SchemaResolver? {
        if let cached = resolvers[key] { return cached }
        let registry = core.registry
        let resolver = registry.schema(for: SchemaReference(subjectID: key.subjectID, version: key.writer)).flatMap { writer in
            registry.schema(for: SchemaReference(subjectID: key.subjectID, version: key.reader)).flatMap { reader in
                try? SchemaResolver(writer: writer, reader: reader)
            }
        }
        resolvers[key] = .some(resolver)
        return resolver
    }
}
