import NIOConcurrencyHelpers
import TernProtocol

/// The registered versions of the schemas a client's typed messages use, by subject and
/// fingerprint of the schema's canonical form, so the registry is asked once per schema.
final class SchemaReferenceCache: Sendable {
    private struct Key: Hashable {
        var subject: String
        var fingerprint: UInt64
    }

    private let references = NIOLockedValueBox<[Key: SchemaReference]>([:])

    /// The version of `subject` whose canonical form has `fingerprint`, if known.
    func reference(subject: String, fingerprint: UInt64) -> SchemaReference? {
        references.withLockedValue { $0[Key(subject: subject, fingerprint: fingerprint)] }
    }

    func store(_ reference: SchemaReference, subject: String, fingerprint: UInt64) {
        references.withLockedValue { $0[Key(subject: subject, fingerprint: fingerprint)] = reference }
    }
}
