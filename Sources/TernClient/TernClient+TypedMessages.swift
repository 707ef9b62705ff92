import NIOCore
import TernProtocol
import TernSchema

/// Typed messages: `SchemaCodable` values encoded with their schema and tagged with its
/// registered version.
extension TernClient {
    /// Publishes `value` to `topic`, encoded with `Value.schema` and tagged with that schema's
    /// version of `subject` (by default the topic's name).
    ///
    /// The first publish of a schema under a subject registers it there (registering an
    /// identical schema returns the existing version); later ones reuse that version. Delivery
    /// and refusals are as for ``publish(_:to:schema:headers:acknowledged:)``.
    ///
    /// - Throws: ``TernClientError/invalidPayload(reason:)`` naming the field when `value` does
    ///   not fit the schema, ``TernClientError/registry(code:message:)`` when the registry
    ///   refuses the schema (for example as incompatible with the subject), whatever
    ///   `Value.schema` throws, and the errors of any publish.
    public func publish<Value: SchemaCodable>(
        _ value: Value, to topic: String, subject: String? = nil, headers: Headers = [:], acknowledged: Bool = false
    ) async throws {
        let schema = try Value.schema
        let payload: [UInt8]
        do {
            payload = try schema.encode(SchemaValueEncoder().encode(value, as: schema))
        } catch {
            throw TernClientError.invalidPayload(reason: "\(error)")
        }
        let reference = try await registeredReference(for: schema, subject: subject ?? topic)
        try await publish(ByteBuffer(bytes: payload), to: topic, schema: reference, headers: headers, acknowledged: acknowledged)
    }

    /// Subscribes to the topics matching `pattern` and decodes each message as a `Value`.
    ///
    /// The subscription reads `subject` (by default `pattern`) as the version of `Value.schema`,
    /// registering that schema first if no identical version exists, so messages written with
    /// other versions arrive resolved to it. Otherwise as ``subscribe(to:queueGroup:readAs:onDropNotice:)``.
    ///
    /// - Throws: ``TernClientError/registry(code:message:)`` when the registry refuses the
    ///   schema, whatever `Value.schema` throws, and the errors of any subscribe.
    public func subscribe<Value: SchemaCodable>(
        to pattern: String,
        as type: Value.Type,
        subject: String? = nil,
        queueGroup: String? = nil,
        onDropNotice: (@Sendable (TernDropNotice) -> Void)? = nil
    ) async throws -> TernTypedSubscription<Value> {
        let schema = try Value.schema
        let reference = try await registeredReference(for: schema, subject: subject ?? pattern)
        let messages = try await subscribe(to: pattern, queueGroup: queueGroup, readAs: reference, onDropNotice: onDropNotice)
        return TernTypedSubscription(messages: messages, schema: schema, reference: reference)
    }

    /// The registered version of `schema` under `subject`, registering it when this client has
    /// not used it there yet.
    private func registeredReference(for schema: Schema, subject: String) async throws -> SchemaReference {
        if let known = schemaReferences.reference(subject: subject, fingerprint: schema.fingerprint) { return known }
        let registered = try await registerSchema(schema.text, subject: subject)
        schemaReferences.store(registered.reference, subject: subject, fingerprint: schema.fingerprint)
        return registered.reference
    }
}
