import NIOCore
import TernProtocol
import TernSchema

/// The messages of a subscription decoded as `Value`s (see
/// ``TernClient/subscribe(to:as:subject:queueGroup:onDropNotice:)``).
///
/// Iterate it once, like a ``TernSubscription``. A message that is not a payload of the
/// subscription's schema version (untagged bytes that do not decode, or a message of another
/// subject) ends the iteration with ``TernClientError/invalidPayload(reason:)``.
public struct TernTypedSubscription<Value: SchemaCodable>: AsyncSequence, Sendable {
    public typealias Element = Value

    /// The undecoded subscription.
    public let messages: TernSubscription
    /// The registered version of `Value.schema` the subscription reads as.
    public let reference: SchemaReference
    private let schema: Schema

    init(messages: TernSubscription, schema: Schema, reference: SchemaReference) {
        self.messages = messages
        self.schema = schema
        self.reference = reference
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: messages.makeAsyncIterator(), schema: schema, reference: reference)
    }

    /// Iterates a ``TernTypedSubscription``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var base: TernSubscription.AsyncIterator
        private let schema: Schema
        private let reference: SchemaReference

        fileprivate init(base: TernSubscription.AsyncIterator, schema: Schema, reference: SchemaReference) {
            self.base = base
            self.schema = schema
            self.reference = reference
        }

        public mutating func next() async throws -> Value? {
            guard let message = try await base.next() else { return nil }
            return try decode(message)
        }

        private func decode(_ message: TernMessage) throws -> Value {
            if let written = message.schema, written != reference {
                throw TernClientError.invalidPayload(reason: "the message on '\(message.topic)' is written with schema \(written), not \(reference)")
            }
            do {
                let value = try message.payload.withUnsafeReadableBytes { bytes throws(SchemaValueError) in try schema.decode(bytes) }
                return try SchemaValueDecoder().decode(Value.self, from: value, schema: schema)
            } catch {
                throw TernClientError.invalidPayload(reason: "the message on '\(message.topic)': \(error)")
            }
        }
    }
}
