import NIOCore
import TernProtocol
import TernSchema

extension SchemaRegistry.Binding {
    /// Why a PUBLISH or REQUEST on `topic`, bound to this subject, may not pass with `reference`
    /// and `payload`, or `nil` when it may (PROTOCOL.md section 10.2).
    func problem(with reference: SchemaReference?, payload: ByteBuffer, topic: String) -> (ErrorCode, String)? {
        guard let reference else {
            return (.schemaRequired, "topic '\(topic)' is bound to subject '\(subject.name)': a message on it must name one of its versions")
        }
        guard reference.subjectID == subject.id else {
            return (.schemaMismatch, "topic '\(topic)' takes subject '\(subject.name)' (id \(subject.id)), not subject id \(reference.subjectID)")
        }
        guard reference.version != 0, let version = subject.version(reference.version) else {
            return (.schemaMismatch, "topic '\(topic)' takes subject '\(subject.name)', which has no version \(reference.version)")
        }
        do {
            try payload.withUnsafeReadableBytes { bytes throws(SchemaValueError) in try version.schema.validate(bytes) }
            return nil
        } catch {
            return (.invalidPayload, "topic '\(topic)': payload does not match \(subject.name) version \(version.number): \(error)")
        }
    }
}
