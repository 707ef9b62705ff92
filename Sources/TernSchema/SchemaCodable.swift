/// A `Codable` type that declares the schema its values are sent with.
///
/// The requirement may throw, so a schema parsed from text needs no `try!`; a stored
/// `static let` also satisfies it:
///
/// ```swift
/// struct Point: SchemaCodable {
///     private static let parsed = Result { try Schema(parsing: "record Point { x: int32  y: int32 }") }
///     static var schema: Schema { get throws { try parsed.get() } }
///     var x: Int32
///     var y: Int32
/// }
/// ```
public protocol SchemaCodable: Codable {
    static var schema: Schema { get throws }
}

extension SchemaCodable {
    /// The value as a `SchemaValue` of `Self.schema`.
    public func schemaValue() throws -> SchemaValue {
        try SchemaValueEncoder().encode(self, as: try Self.schema)
    }

    /// The value's binary payload under `Self.schema`.
    public func encodedPayload() throws -> [UInt8] {
        try Self.schema.encode(try schemaValue())
    }

    /// Decodes a value from a `SchemaValue` of `Self.schema`.
    public init(schemaValue: SchemaValue) throws {
        self = try SchemaValueDecoder().decode(Self.self, from: schemaValue, schema: try Self.schema)
    }

    /// Decodes a value from a binary payload written with `Self.schema`.
    public init(payload: [UInt8]) throws {
        try self.init(schemaValue: try Self.schema.decode(payload))
    }
}
