import NIOCore
import TernClient
import TernSchema

/// A registered schema version that `tern pub` and `tern sub` convert messages with: JSON
/// typed by a person in, JSON printed for a person out.
struct MessageSchema {
    let registered: RegisteredSchema
    let schema: Schema

    /// A message that does not fit the schema.
    struct MismatchError: Error, CustomStringConvertible {
        var description: String
    }

    init(_ registered: RegisteredSchema) throws {
        self.registered = registered
        do {
            schema = try Schema(parsing: registered.definition)
        } catch {
            throw MismatchError(description: "the broker's schema \(Self.name(registered)) does not parse: \(error)")
        }
    }

    /// The payload for a message written as JSON, e.g. `{"id": "o-1", "quantity": 2}`.
    func payload(fromJSON json: String) throws -> ByteBuffer {
        do {
            return ByteBuffer(bytes: try schema.encode(try schema.decodeJSON(json)))
        } catch {
            throw MismatchError(description: "not a message of \(Self.name(registered)): \(error)")
        }
    }

    /// `message`'s payload as one line of JSON.
    func json(of message: TernMessage) throws -> String {
        if let written = message.schema, written != registered.reference {
            throw MismatchError(description: "the message on '\(message.topic)' is written with schema \(written), not \(registered.reference)")
        }
        do {
            let value = try message.payload.withUnsafeReadableBytes { bytes throws(SchemaValueError) in try schema.decode(bytes) }
            return try schema.encodeJSON(value)
        } catch {
            throw MismatchError(description: "the message on '\(message.topic)' is not a message of \(Self.name(registered)): \(error)")
        }
    }

    /// E.g. `orders version 2`.
    private static func name(_ registered: RegisteredSchema) -> String {
        "\(registered.subject) version \(registered.version)"
    }
}
